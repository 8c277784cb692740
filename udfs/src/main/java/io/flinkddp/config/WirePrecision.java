package io.flinkddp.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How gradient values travel between train-round and sum-gradients (option {@code --wire-precision}):
 * fp32 as computed, or bf16 (the upper 16 bits of the float, rounded to nearest even: half the bytes,
 * fp32's range, 8 bits of mantissa). Sums are always computed in fp32.
 */
public enum WirePrecision {
    FP32("fp32", 4),
    BF16("bf16", 2);

    private final String optionValue;
    private final int bytesPerValue;

    WirePrecision(String optionValue, int bytesPerValue) {
        this.optionValue = optionValue;
        this.bytesPerValue = bytesPerValue;
    }

    public String optionValue() {
        return optionValue;
    }

    /** The option value, as the help, the summary and checkpoint manifests write it. */
    @Override
    public String toString() {
        return optionValue;
    }

    public int bytesPerValue() {
        return bytesPerValue;
    }

    /** The precision named {@code value} on the command line, or an {@link InvalidSettingsException} naming the option. */
    public static WirePrecision of(String value) {
        return Arrays.stream(values()).filter(p -> p.optionValue.equals(value)).findFirst().orElseThrow(() -> new InvalidSettingsException(
                "--wire-precision must be " + Arrays.stream(values()).map(WirePrecision::optionValue)
                        .collect(Collectors.joining(" or ")) + ", got " + value));
    }
}
