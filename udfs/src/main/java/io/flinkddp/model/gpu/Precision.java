package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_BFLOAT16;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;

/**
 * How a GPU engine computes: {@code FP32} exactly (cuDNN restricted to FMA kernels, no TF32 anywhere),
 * {@code TF32} as PyTorch's default (convolutions may use TF32 tensor cores, the classifier stays float32:
 * {@code torch.backends.cudnn.allow_tf32 = True}, {@code torch.backends.cuda.matmul.allow_tf32 = False}),
 * {@code BF16} as {@code torch.autocast(dtype=torch.bfloat16)}: convolutions and the classifier in bfloat16
 * with float32 accumulation, activations and their gradients stored as bfloat16, batch-norm statistics and
 * affine terms, the loss, master weights, momentum and gradients float32.
 */
public enum Precision {
    FP32(CUDNN_FMA_MATH),
    TF32(CUDNN_DEFAULT_MATH),
    BF16(CUDNN_DEFAULT_MATH);

    /** The cuDNN math type convolution descriptors are set to. */
    final int convolutionMath;

    Precision(int convolutionMath) {
        this.convolutionMath = convolutionMath;
    }

    /** cuDNN's data type for elements of {@code kind}. */
    static int cudnnType(Element kind) {
        return kind == Element.BF16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
    }

    /** What activations and their gradients are stored as. */
    public Element activations() {
        return this == BF16 ? Element.BF16 : Element.F32;
    }

    /** Bytes of one activation element at this precision. */
    public int bytesPerActivation() {
        return activations().bytes;
    }

    /** The H200's dense peaks at this precision, for the step's roofline. */
    public StepCost.Peaks peaks() {
        return switch (this) {
            case FP32 -> StepCost.Peaks.H200_FP32;
            case TF32 -> StepCost.Peaks.H200_TF32;
            case BF16 -> StepCost.Peaks.H200_BF16;
        };
    }
}
