package io.flinkddp.model.gpu;

import org.bytedeco.javacpp.Pointer;

/** A JavaCPP pointer to memory JavaCPP did not allocate (GPU memory, a slot inside a buffer); it frees nothing. */
final class NativeAddress extends Pointer {

    NativeAddress(long value) {
        address = value;
    }
}
