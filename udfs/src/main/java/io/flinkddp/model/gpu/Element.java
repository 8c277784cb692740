package io.flinkddp.model.gpu;

/**
 * What one element of a {@link GpuBuffer} is: a float32, or a bfloat16 (float32's sign, exponent and top 7
 * mantissa bits; a float32 becomes one by rounding to nearest even, as CUDA's {@code __float2bfloat16_rn} and
 * PyTorch's {@code .to(torch.bfloat16)} do).
 */
public enum Element {
    F32(4), BF16(2);

    public final int bytes;

    Element(int bytes) {
        this.bytes = bytes;
    }

    /** {@code v} rounded to the nearest bfloat16 (ties to even), as a float; NaN stays NaN. */
    public static float roundToBf16(float v) {
        if (Float.isNaN(v)) {
            return v;
        }
        int bits = Float.floatToRawIntBits(v);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }
}
