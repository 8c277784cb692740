package io.flinkddp.model.gpu;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudnn.cudnnGetVersion;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;

/**
 * Whether this host can run the GPU engine, and if not, one line that says what is missing and what to
 * install: the NVIDIA driver ({@code libcuda.so.1}), the CUDA 13 runtime, cuDNN 9, cuBLAS or NVRTC (JavaCPP's
 * presets load them from the library path), a CUDA device, or a driver too old for the runtime.
 */
public final class GpuAvailability {

    private static final Pattern LIBRARY = Pattern.compile("(lib[A-Za-z0-9_]+\\.so(\\.[0-9]+)*)");

    private GpuAvailability() {
    }

    /** The first answer: a failed load of JavaCPP's CUDA classes cannot be retried in a JVM (its class stays broken). */
    private static Optional<String> answer;

    /** Empty when the libraries load and at least one CUDA device answers; else why not. Asked once per JVM. */
    public static synchronized Optional<String> problem() {
        if (answer == null) {
            answer = firstProblem();
        }
        return answer;
    }

    private static Optional<String> firstProblem() {
        try {
            Loader.load(cudart.class);
            int[] count = new int[1];
            int status = cudaGetDeviceCount(count);
            int[] driver = new int[1];
            int[] runtime = new int[1];
            cudaDriverGetVersion(driver);
            cudaRuntimeGetVersion(runtime);
            if (status == cudart.cudaErrorInsufficientDriver || driver[0] > 0 && driver[0] < runtime[0]) {
                return Optional.of("the NVIDIA driver supports CUDA " + version(driver[0]) + ", older than the CUDA runtime "
                        + version(runtime[0]) + " the GPU engine uses: update the driver (CUDA 13 needs driver 580 or newer)");
            }
            if (status != 0 || count[0] == 0) {
                return Optional.of("no CUDA device is visible (cudaGetDeviceCount: " + (status != 0 ? "error " + status : "0 devices")
                        + "; CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + ")");
            }
            Loader.load(cublas.class);
            Loader.load(nvrtc.class);
            Loader.load(cudnn.class);
            long cudnnVersion = cudnnGetVersion();
            if (cudnnVersion < 90000) {
                return Optional.of("cuDNN " + cudnnVersion + " was found; the GPU engine needs cuDNN 9");
            }
            return Optional.empty();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return Optional.of(missingLibrary(e));
        }
    }

    /** CUDA devices this process sees (call once {@link #problem} found none). */
    public static int deviceCount() {
        int[] count = new int[1];
        CudaCalls.cuda(cudaGetDeviceCount(count), "cudaGetDeviceCount");
        return count[0];
    }

    /** The library a failed load names, with what provides it. */
    static String missingLibrary(Throwable e) {
        String library = null;
        for (Throwable t = e; t != null && library == null; t = t.getCause()) {
            Matcher m = LIBRARY.matcher(String.valueOf(t.getMessage()).replaceAll("libjni[A-Za-z0-9_]+\\.so", ""));
            if (m.find()) {
                library = m.group(1);
            }
        }
        if (library == null) {
            return "the CUDA libraries could not be loaded (" + e + ")";
        }
        String provider = library.startsWith("libcuda.so") ? "the NVIDIA driver (no driver or no GPU on this host)"
                : library.startsWith("libcudnn") ? "cuDNN 9 (NVIDIA's cudnn9-cuda-13 package or the nvidia-cudnn-cu13 wheel)"
                : library.startsWith("libcublas") ? "cuBLAS 13 (the CUDA 13 toolkit's libcublas, or the nvidia-cublas wheel)"
                : library.startsWith("libnvrtc") ? "NVRTC 13 (the CUDA 13 toolkit's cuda-nvrtc, or the nvidia-cuda-nvrtc wheel)"
                : library.startsWith("libcudart") ? "the CUDA 13 runtime (the CUDA 13 toolkit's cudart, or the nvidia-cuda-runtime wheel)"
                : "the CUDA 13 libraries";
        return library + " was not found: install " + provider + " and put its folder on LD_LIBRARY_PATH";
    }

    private static String version(int v) {
        return v / 1000 + "." + v % 1000 / 10;
    }
}
