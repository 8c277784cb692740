package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;

/**
 * How a GPU engine computes in float32: {@code FP32} exactly (cuDNN restricted to FMA kernels, no TF32
 * anywhere), {@code TF32} as PyTorch's default (convolutions may use TF32 tensor cores, the classifier stays
 * float32: {@code torch.backends.cudnn.allow_tf32 = True}, {@code torch.backends.cuda.matmul.allow_tf32 = False}).
 */
public enum Precision {
    FP32(CUDNN_FMA_MATH),
    TF32(CUDNN_DEFAULT_MATH);

    /** The cuDNN math type convolution descriptors are set to. */
    final int convolutionMath;

    Precision(int convolutionMath) {
        this.convolutionMath = convolutionMath;
    }

    /** Bytes of one activation element at this precision. */
    public int bytesPerActivation() {
        return 4;
    }

    /** The H200's dense peaks at this precision, for the step's roofline. */
    public StepCost.Peaks peaks() {
        return this == FP32 ? StepCost.Peaks.H200_FP32 : StepCost.Peaks.H200_TF32;
    }
}
