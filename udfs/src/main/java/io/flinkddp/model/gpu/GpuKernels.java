package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The element-wise and small kernels of a ResNet step that cuDNN and cuBLAS do not cover, compiled once per
 * device by NVRTC for its architecture (no nvcc at build time) and launched on the device's stream: input
 * normalisation (uint8 HWC to float NCHW), ReLU, the residual add, max pooling with PyTorch's tie rule (the
 * first maximum in scan order wins, the gradient goes there), global average pooling, softmax cross-entropy,
 * the classifier's bias, the SGD step and the engine's whole-buffer arithmetic (axpy, scale, divide, the
 * batch-norm statistics' deltas); the activation kernels also come in bfloat16 ({@code _bf16}: loads widened to
 * float32, stores rounded to nearest even) with casts between the two. Arithmetic that the CPU engine does in Java float is written with
 * round-to-nearest intrinsics (no contraction into FMA), so it gives the same bits.
 */
public final class GpuKernels implements AutoCloseable {

    static final String SOURCE = """
            extern "C" __global__ void normalize_u8(const unsigned char* in, float* out, int n, int plane,
                                                    float s0, float s1, float s2, float t0, float t1, float t2) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;          // over n * plane pixels
              if (i >= (long) n * plane) return;
              long img = i / plane; long p = i - img * plane;
              const unsigned char* rgb = in + 3 * i;
              float* o = out + img * 3 * plane + p;
              o[0] = __fadd_rn(__fmul_rn((float) rgb[0], s0), t0);
              o[plane] = __fadd_rn(__fmul_rn((float) rgb[1], s1), t1);
              o[2 * plane] = __fadd_rn(__fmul_rn((float) rgb[2], s2), t2);
            }
            extern "C" __global__ void relu_forward(const float* x, float* y, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) y[i] = x[i] > 0.f ? x[i] : 0.f;
            }
            extern "C" __global__ void relu_backward(const float* y, const float* dy, float* dx, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
            }
            extern "C" __global__ void add(const float* a, const float* b, float* out, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) out[i] = __fadd_rn(a[i], b[i]);
            }
            extern "C" __global__ void maxpool_forward(const float* x, float* y, int* argmax, int planes, int h, int w,
                                                       int oh, int ow, int k, int stride, int pad) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;          // over planes * oh * ow
              if (i >= (long) planes * oh * ow) return;
              int ox = i % ow; int oy = (i / ow) % oh; long plane = i / ((long) ow * oh);
              const float* xp = x + plane * h * w;
              float best = __int_as_float(0xff800000); int at = -1;            // -inf
              for (int u = 0; u < k; u++) {
                int iy = oy * stride - pad + u; if (iy < 0 || iy >= h) continue;
                for (int v = 0; v < k; v++) {
                  int ix = ox * stride - pad + v; if (ix < 0 || ix >= w) continue;
                  float val = xp[iy * w + ix];
                  if (val > best || val != val) { best = val; at = iy * w + ix; }
                }
              }
              y[i] = best; argmax[i] = at;
            }
            extern "C" __global__ void maxpool_backward(const float* dy, const int* argmax, float* dx, int planes, int h, int w,
                                                        int oh, int ow, int k, int stride, int pad) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;          // over planes * h * w, a gather: no atomics
              if (i >= (long) planes * h * w) return;
              int ix = i % w; int iy = (i / w) % h; long plane = i / ((long) w * h);
              int y0 = (iy + pad - k + stride) / stride, y1 = (iy + pad) / stride;
              int x0 = (ix + pad - k + stride) / stride, x1 = (ix + pad) / stride;
              if (y0 < 0) y0 = 0; if (x0 < 0) x0 = 0; if (y1 > oh - 1) y1 = oh - 1; if (x1 > ow - 1) x1 = ow - 1;
              int self = iy * w + ix; float sum = 0.f;
              for (int oy = y0; oy <= y1; oy++)
                for (int ox = x0; ox <= x1; ox++) {
                  long o = (plane * oh + oy) * ow + ox;
                  if (argmax[o] == self) sum = __fadd_rn(sum, dy[o]);
                }
              dx[i] = sum;
            }
            extern "C" __global__ void mean_pool_forward(const float* x, float* y, int planes, int hw) {
              int i = blockIdx.x * blockDim.x + threadIdx.x;
              if (i >= planes) return;
              const float* p = x + (long) i * hw; float sum = 0.f;
              for (int j = 0; j < hw; j++) sum = __fadd_rn(sum, p[j]);
              y[i] = __fdiv_rn(sum, (float) hw);
            }
            extern "C" __global__ void mean_pool_backward(const float* dy, float* dx, int planes, int hw) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < (long) planes * hw) dx[i] = __fdiv_rn(dy[i / hw], (float) hw);
            }
            extern "C" __global__ void softmax_cross_entropy(const float* logits, const int* labels, float* dlogits,
                                                             double* losses, int rows, int classes, float scale) {
              int r = blockIdx.x * blockDim.x + threadIdx.x;                  // one thread a row; the losses in double
              if (r >= rows) return;
              const float* z = logits + (long) r * classes; float* d = dlogits + (long) r * classes;
              double m = __longlong_as_double(0xfff0000000000000LL);        // -inf
              for (int c = 0; c < classes; c++) m = fmax(m, (double) z[c]);
              double sum = 0;
              for (int c = 0; c < classes; c++) sum += exp((double) z[c] - m);
              double logSum = m + log(sum);
              losses[r] = logSum - (double) z[labels[r]];
              for (int c = 0; c < classes; c++)
                d[c] = (float) ((exp((double) z[c] - logSum) - (c == labels[r] ? 1.0 : 0.0)) * scale);
            }
            extern "C" __global__ void add_bias(float* y, const float* bias, int rows, int classes) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < (long) rows * classes) y[i] = __fadd_rn(y[i], bias[i % classes]);
            }
            extern "C" __global__ void column_sums(const float* dy, float* sums, int rows, int classes) {
              int c = blockIdx.x * blockDim.x + threadIdx.x;
              if (c >= classes) return;
              float s = 0.f;
              for (int r = 0; r < rows; r++) s = __fadd_rn(s, dy[(long) r * classes + c]);
              sums[c] = s;
            }
            extern "C" __global__ void sgd_step(float* p, float* v, const float* sum, long n, float count, float lr, float momentum) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i >= n) return;
              float vi = __fadd_rn(__fmul_rn(momentum, v[i]), __fdiv_rn(sum[i], count));
              v[i] = vi;
              p[i] = __fsub_rn(p[i], __fmul_rn(lr, vi));
            }
            extern "C" __global__ void axpy(float alpha, const float* x, float* y, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) y[i] = __fadd_rn(y[i], __fmul_rn(alpha, x[i]));
            }
            extern "C" __global__ void scale(float* x, float factor, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) x[i] = __fmul_rn(x[i], factor);
            }
            extern "C" __global__ void divide(float* x, float divisor, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) x[i] = __fdiv_rn(x[i], divisor);
            }
            extern "C" __global__ void apply_delta(float* p, const float* sum, long n, float count) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) p[i] = __fsub_rn(p[i], __fdiv_rn(sum[i], count));
            }
            extern "C" __global__ void statistic_delta(const float* old, const float* updated, float* out, long n, float images) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) out[i] = __fmul_rn(__fsub_rn(old[i], updated[i]), images);
            }
            typedef unsigned short bf16;                                         // bfloat16 bits, no header needed
            __device__ __forceinline__ float ld(const bf16* p, long i) { return __uint_as_float(((unsigned) p[i]) << 16); }
            __device__ __forceinline__ void st(bf16* p, long i, float v) {      // round to nearest even, NaN kept quiet
              unsigned u = __float_as_uint(v);
              if ((u & 0x7fffffffu) > 0x7f800000u) { p[i] = (bf16) ((u >> 16) | 0x40u); return; }
              u += 0x7fffu + ((u >> 16) & 1u);
              p[i] = (bf16) (u >> 16);
            }
            extern "C" __global__ void cast_f32_bf16(const float* x, bf16* y, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) st(y, i, x[i]);
            }
            extern "C" __global__ void cast_bf16_f32(const bf16* x, float* y, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) y[i] = ld(x, i);
            }
            extern "C" __global__ void normalize_u8_bf16(const unsigned char* in, bf16* out, int n, int plane,
                                                         float s0, float s1, float s2, float t0, float t1, float t2) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i >= (long) n * plane) return;
              long img = i / plane; long p = i - img * plane;
              const unsigned char* rgb = in + 3 * i;
              long o = img * 3 * plane + p;
              st(out, o, __fadd_rn(__fmul_rn((float) rgb[0], s0), t0));
              st(out, o + plane, __fadd_rn(__fmul_rn((float) rgb[1], s1), t1));
              st(out, o + 2 * plane, __fadd_rn(__fmul_rn((float) rgb[2], s2), t2));
            }
            extern "C" __global__ void relu_forward_bf16(const bf16* x, bf16* y, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) y[i] = ld(x, i) > 0.f ? x[i] : (bf16) 0;
            }
            extern "C" __global__ void relu_backward_bf16(const bf16* y, const bf16* dy, bf16* dx, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) dx[i] = ld(y, i) > 0.f ? dy[i] : (bf16) 0;
            }
            extern "C" __global__ void add_bf16(const bf16* a, const bf16* b, bf16* out, long n) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < n) st(out, i, __fadd_rn(ld(a, i), ld(b, i)));
            }
            extern "C" __global__ void maxpool_forward_bf16(const bf16* x, bf16* y, int* argmax, int planes, int h, int w,
                                                            int oh, int ow, int k, int stride, int pad) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i >= (long) planes * oh * ow) return;
              int ox = i % ow; int oy = (i / ow) % oh; long plane = i / ((long) ow * oh);
              long base = plane * h * w;
              float best = __int_as_float(0xff800000); int at = -1;
              for (int u = 0; u < k; u++) {
                int iy = oy * stride - pad + u; if (iy < 0 || iy >= h) continue;
                for (int v = 0; v < k; v++) {
                  int ix = ox * stride - pad + v; if (ix < 0 || ix >= w) continue;
                  float val = ld(x, base + iy * w + ix);
                  if (val > best || val != val) { best = val; at = iy * w + ix; }
                }
              }
              st(y, i, best); argmax[i] = at;
            }
            extern "C" __global__ void maxpool_backward_bf16(const bf16* dy, const int* argmax, bf16* dx, int planes, int h, int w,
                                                             int oh, int ow, int k, int stride, int pad) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i >= (long) planes * h * w) return;
              int ix = i % w; int iy = (i / w) % h; long plane = i / ((long) w * h);
              int y0 = (iy + pad - k + stride) / stride, y1 = (iy + pad) / stride;
              int x0 = (ix + pad - k + stride) / stride, x1 = (ix + pad) / stride;
              if (y0 < 0) y0 = 0; if (x0 < 0) x0 = 0; if (y1 > oh - 1) y1 = oh - 1; if (x1 > ow - 1) x1 = ow - 1;
              int self = iy * w + ix; float sum = 0.f;
              for (int oy = y0; oy <= y1; oy++)
                for (int ox = x0; ox <= x1; ox++) {
                  long o = (plane * oh + oy) * ow + ox;
                  if (argmax[o] == self) sum = __fadd_rn(sum, ld(dy, o));
                }
              st(dx, i, sum);
            }
            extern "C" __global__ void mean_pool_forward_bf16(const bf16* x, bf16* y, int planes, int hw) {
              int i = blockIdx.x * blockDim.x + threadIdx.x;
              if (i >= planes) return;
              float sum = 0.f;
              for (int j = 0; j < hw; j++) sum = __fadd_rn(sum, ld(x, (long) i * hw + j));
              st(y, i, __fdiv_rn(sum, (float) hw));
            }
            extern "C" __global__ void mean_pool_backward_bf16(const bf16* dy, bf16* dx, int planes, int hw) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < (long) planes * hw) st(dx, i, __fdiv_rn(ld(dy, i / hw), (float) hw));
            }
            extern "C" __global__ void softmax_cross_entropy_bf16(const bf16* logits, const int* labels, bf16* dlogits,
                                                                  double* losses, int rows, int classes, float scale) {
              int r = blockIdx.x * blockDim.x + threadIdx.x;
              if (r >= rows) return;
              long z = (long) r * classes;
              double m = __longlong_as_double(0xfff0000000000000LL);
              for (int c = 0; c < classes; c++) m = fmax(m, (double) ld(logits, z + c));
              double sum = 0;
              for (int c = 0; c < classes; c++) sum += exp((double) ld(logits, z + c) - m);
              double logSum = m + log(sum);
              losses[r] = logSum - (double) ld(logits, z + labels[r]);
              for (int c = 0; c < classes; c++)
                st(dlogits, z + c, (float) ((exp((double) ld(logits, z + c) - logSum) - (c == labels[r] ? 1.0 : 0.0)) * scale));
            }
            extern "C" __global__ void add_bias_bf16(bf16* y, const bf16* bias, int rows, int classes) {
              long i = blockIdx.x * (long) blockDim.x + threadIdx.x;
              if (i < (long) rows * classes) st(y, i, __fadd_rn(ld(y, i), ld(bias, i % classes)));
            }
            extern "C" __global__ void column_sums_bf16(const bf16* dy, bf16* sums, int rows, int classes) {
              int c = blockIdx.x * blockDim.x + threadIdx.x;
              if (c >= classes) return;
              float s = 0.f;
              for (int r = 0; r < rows; r++) s = __fadd_rn(s, ld(dy, (long) r * classes + c));
              st(sums, c, s);
            }
            """;

    private static final int THREADS = 256;
    private static final int MAX_ARGS = 16;

    private final GpuDevice device;
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    /**
     * The arguments of a launch, 8 bytes a slot, and the pointers to the slots that cuLaunchKernel reads: allocated
     * once and refilled per launch (the driver copies the values when the launch is queued), so a launch allocates nothing.
     */
    private final BytePointer argValues = new BytePointer(8L * MAX_ARGS);
    private final PointerPointer<Pointer> argPointers = new PointerPointer<>(MAX_ARGS);

    /** Compiles the kernels for {@code device}'s architecture and loads them. */
    public GpuKernels(GpuDevice device) {
        this.device = device;
        for (int i = 0; i < MAX_ARGS; i++) {
            argPointers.put(i, new NativeAddress(argValues.address() + 8L * i));
        }
        _nvrtcProgram program = new _nvrtcProgram();
        CudaCalls.nvrtc(nvrtcCreateProgram(program, new BytePointer(SOURCE), new BytePointer("flinkddp_kernels.cu"), 0,
                (PointerPointer<?>) null, (PointerPointer<?>) null), "nvrtcCreateProgram");
        try {
            String[] options = {"--gpu-architecture=" + device.architecture(), "--fmad=false", "--std=c++17"};
            PointerPointer<BytePointer> pointers = new PointerPointer<>(options.length);
            List<BytePointer> keep = new ArrayList<>();
            for (int i = 0; i < options.length; i++) {
                BytePointer option = new BytePointer(options[i]);
                keep.add(option);
                pointers.put(i, option);
            }
            int status = nvrtcCompileProgram(program, options.length, pointers);
            if (status != 0) {
                throw new GpuException("NVRTC could not compile the kernels for " + device.architecture() + ": " + log(program));
            }
            SizeTPointer size = new SizeTPointer(1);
            CudaCalls.nvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
            BytePointer cubin = new BytePointer(size.get());
            CudaCalls.nvrtc(nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
            CudaCalls.driver(cuModuleLoadData(module, cubin), "cuModuleLoadData");
            keep.clear();
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        nvrtcGetProgramLogSize(program, size);
        BytePointer log = new BytePointer(size.get());
        nvrtcGetProgramLog(program, log);
        return log.getString();
    }

    private CUfunc_st function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunc_st f = new CUfunc_st();
            CudaCalls.driver(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    /**
     * Launches {@code name} over {@code threads} threads (blocks of 256) on the device's stream. Arguments:
     * {@link DeviceArray}s (device addresses), Integer, Long, Float, in the kernel's order. Not thread-safe: one
     * engine, one thread.
     */
    void launch(String name, long threads, Object... args) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException(name + ": more than " + MAX_ARGS + " kernel arguments");
        }
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            long at = 8L * i;
            if (a instanceof DeviceArray d) {
                argValues.putLong(at, d.address().address());
            } else if (a instanceof Integer v) {
                argValues.putInt(at, v);
            } else if (a instanceof Long v) {
                argValues.putLong(at, v);
            } else if (a instanceof Float v) {
                argValues.putFloat(at, v);
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " of " + name + ": " + a);
            }
        }
        int blocks = (int) ((threads + THREADS - 1) / THREADS);
        if (blocks == 0) {
            return;
        }
        CudaCalls.driver(cuLaunchKernel(function(name), blocks, 1, 1, THREADS, 1, 1, 0, device.stream(), argPointers, null),
                "cuLaunchKernel(" + name + ")");
    }

    public void normalize(DeviceArray imagesHwc, DeviceArray out, int images, int side, float[] scale, float[] shift) {
        launch(typed("normalize_u8", out), (long) images * side * side, imagesHwc, out, images, side * side,
                scale[0], scale[1], scale[2], shift[0], shift[1], shift[2]);
    }

    public void reluForward(DeviceArray x, DeviceArray y, long n) {
        launch(typed("relu_forward", y), n, x, y, n);
    }

    public void reluBackward(DeviceArray y, DeviceArray dy, DeviceArray dx, long n) {
        launch(typed("relu_backward", dx), n, y, dy, dx, n);
    }

    public void add(DeviceArray a, DeviceArray b, DeviceArray out, long n) {
        launch(typed("add", out), n, a, b, out, n);
    }

    /** Max pooling over {@code planes} (n x c) planes of h x w; {@code argmax} (int32, one per output) keeps the winners for the backward. */
    public void maxPoolForward(DeviceArray x, DeviceArray y, DeviceArray argmax, int planes, int h, int w, int k, int stride, int pad) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        launch(typed("maxpool_forward", y), (long) planes * oh * ow, x, y, argmax, planes, h, w, oh, ow, k, stride, pad);
    }

    public void maxPoolBackward(DeviceArray dy, DeviceArray argmax, DeviceArray dx, int planes, int h, int w, int k, int stride, int pad) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        launch(typed("maxpool_backward", dx), (long) planes * h * w, dy, argmax, dx, planes, h, w, oh, ow, k, stride, pad);
    }

    public void meanPoolForward(DeviceArray x, DeviceArray y, int planes, int hw) {
        launch(typed("mean_pool_forward", y), planes, x, y, planes, hw);
    }

    public void meanPoolBackward(DeviceArray dy, DeviceArray dx, int planes, int hw) {
        launch(typed("mean_pool_backward", dx), (long) planes * hw, dy, dx, planes, hw);
    }

    /** Per row: the loss (double, into {@code losses}) and {@code scale} x (softmax - one-hot) into {@code dLogits}. */
    public void softmaxCrossEntropy(DeviceArray logits, DeviceArray labels, DeviceArray dLogits, DeviceArray losses, int rows,
                                    int classes, float scale) {
        launch(typed("softmax_cross_entropy", dLogits), rows, logits, labels, dLogits, losses, rows, classes, scale);
    }

    public void addBias(DeviceArray y, DeviceArray bias, int rows, int classes) {
        launch(typed("add_bias", y), (long) rows * classes, y, bias, rows, classes);
    }

    public void columnSums(DeviceArray dy, DeviceArray sums, int rows, int classes) {
        launch(typed("column_sums", sums), classes, dy, sums, rows, classes);
    }

    /** {@code v = momentum v + sum / count; p -= lr v} over {@code n} entries, as the CPU engine's step. */
    public void sgdStep(DeviceArray p, DeviceArray v, DeviceArray sum, long n, float count, float lr, float momentum) {
        launch("sgd_step", n, p, v, sum, n, count, lr, momentum);
    }

    /** {@code y += alpha x}. */
    public void axpy(float alpha, DeviceArray x, DeviceArray y, long n) {
        launch("axpy", n, alpha, x, y, n);
    }

    public void scale(DeviceArray x, float factor, long n) {
        launch("scale", n, x, factor, n);
    }

    public void divide(DeviceArray x, float divisor, long n) {
        launch("divide", n, x, divisor, n);
    }

    /** {@code p -= sum / count}: the batch-norm statistics' deltas applied as they are. */
    public void applyDelta(DeviceArray p, DeviceArray sum, long n, float count) {
        launch("apply_delta", n, p, sum, n, count);
    }

    /** {@code out = (old - updated) images}. */
    public void statisticDelta(DeviceArray old, DeviceArray updated, DeviceArray out, long n, float images) {
        launch("statistic_delta", n, old, updated, out, n, images);
    }

    /** {@code to = from} converted: float32 into bfloat16 (nearest even) or back. */
    public void cast(DeviceArray from, DeviceArray to, long n) {
        if (from.element() == to.element()) {
            throw new IllegalArgumentException("cast from " + from.element() + " to " + to.element());
        }
        launch(to.element() == Element.BF16 ? "cast_f32_bf16" : "cast_bf16_f32", n, from, to, n);
    }

    /** The kernel for {@code out}'s element kind: {@code name}, or its bfloat16 twin. */
    private static String typed(String name, DeviceArray out) {
        return out.element() == Element.BF16 ? name + "_bf16" : name;
    }

    @Override
    public void close() {
        cuModuleUnload(module);
    }
}
