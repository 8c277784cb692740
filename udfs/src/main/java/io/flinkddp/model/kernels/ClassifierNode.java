package io.flinkddp.model.kernels;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The softmax classifier: logits = h W + b; its backward takes d(loss)/d(logits). */
final class ClassifierNode extends GraphNode {

    private final INDArray w;
    private final INDArray b;
    private final INDArray dw;
    private final INDArray db;

    ClassifierNode(String name, List<String> inputs, Layer layer, Map<String, INDArray> grads) {
        super(name, inputs);
        this.w = layer.getParam("W");
        this.b = layer.getParam("b");
        this.dw = grads.get("W");
        this.db = grads.get("b");
    }

    @Override
    INDArray forward(INDArray[] in, boolean training, boolean inPlace) {
        keptInput = training ? in[0] : null;
        return in[0].mmul(w).addiRowVector(b);
    }

    @Override
    INDArray[] backward(INDArray dOut) {
        dw.assign(keptInput.transpose().mmul(dOut));
        db.assign(dOut.sum(true, 0));
        return new INDArray[] {dOut.mmul(w.transpose())};
    }


}
