package io.flinkddp.model.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The GPU engine's ops, one at a time, on inputs a PyTorch script wrote ({@code bench/gpu/ops_check.py gen}),
 * so that the script can compare every output with PyTorch's float32 and float64 results on the same GPU:
 * convolution forward, backward-data and backward-filter at {@code fp32} and {@code tf32}, batch norm (training
 * forward with the running statistics, inference forward, backward), max pooling, ReLU, the residual add, mean
 * pooling, the classifier, softmax cross-entropy, input normalisation and the SGD step. Timed cases run a
 * convolution's or a batch norm's forward and backward repeatedly at a ResNet50 shape and print milliseconds.
 *
 * <p>Input: {@code DIR/cases.txt}, a case a line ({@code kind name parameters...}), and {@code DIR/<kind>_<name>_<tensor>.npy};
 * output: {@code DIR/out/<kind>_<name>_<tensor>[_<precision>].npy} and a line per case on standard output.
 * Usage: {@code OpsCheck DIR [DEVICE]}.
 */
public final class OpsCheck {

    private final Path dir;
    private final GpuDevice device;
    private final GpuKernels kernels;
    private final List<AutoCloseable> held = new ArrayList<>();

    private OpsCheck(Path dir, GpuDevice device) {
        this.dir = dir;
        this.device = device;
        this.kernels = new GpuKernels(device);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int index = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Files.createDirectories(dir.resolve("out"));
        long start = System.nanoTime();
        int failed = 0;
        try (GpuDevice device = new GpuDevice(index)) {
            System.out.printf(Locale.ROOT, "device %d: %s%n", index, device.architecture());
            OpsCheck check = new OpsCheck(dir, device);
            for (String line : Files.readAllLines(dir.resolve("cases.txt"))) {
                if (!line.isBlank()) {
                    String[] f = line.trim().split("\\s+");
                    long t0 = System.nanoTime();
                    try {
                        check.run(f);
                        device.synchronize();
                        System.out.printf(Locale.ROOT, "ran %-40s %.1f ms%n", line.trim(), (System.nanoTime() - t0) / 1e6);
                    } catch (RuntimeException | IOException e) { // one broken case must not hide the others
                        failed++;
                        System.out.println("ERROR in " + line.trim() + ": " + e);
                        e.printStackTrace(System.out);
                    }
                    check.release();
                }
            }
            check.kernels.close();
            System.out.printf(Locale.ROOT, "peak GPU memory held %d bytes; done in %.1f s%n", device.peakBytes(),
                    (System.nanoTime() - start) / 1e9);
        }
        if (failed > 0) {
            System.out.println(failed + " cases failed");
            System.exit(1);
        }
    }

    private void run(String[] f) throws IOException {
        String kind = f[0];
        String name = f[1];
        switch (kind) {
            case "conv" -> conv(name, Integer.parseInt(f[2]), Integer.parseInt(f[3]));
            case "bn" -> batchNorm(name, Double.parseDouble(f[2]), Double.parseDouble(f[3]));
            case "maxpool" -> maxPool(name, Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]));
            case "relu" -> relu(name);
            case "add" -> add(name);
            case "meanpool" -> meanPool(name);
            case "fc" -> classifier(name);
            case "xent" -> crossEntropy(name);
            case "normalize" -> normalize(name);
            case "sgd" -> sgd(name, Float.parseFloat(f[2]), Float.parseFloat(f[3]), Float.parseFloat(f[4]));
            case "time_conv" -> timeConv(name, Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]));
            case "time_bn" -> timeBatchNorm(name, Integer.parseInt(f[2]));
            default -> throw new IllegalArgumentException("unknown case kind " + kind);
        }
    }

    private Npy.Array in(String kind, String name, String tensor) throws IOException {
        return Npy.read(dir.resolve(kind + "_" + name + "_" + tensor + ".npy"));
    }

    private DeviceArray up(Npy.Array a) {
        DeviceArray d = switch (a.dtype()) {
            case "|u1" -> device.allocate(a.size()).upload(a.bytes());
            case "<i8", "<i4" -> device.allocate(4 * a.size()).upload(a.ints());
            default -> device.floats(a.size()).upload(a.floats());
        };
        held.add(d);
        return d;
    }

    private DeviceArray floats(long n) {
        DeviceArray d = device.floats(n);
        held.add(d);
        return d;
    }

    private void out(String kind, String name, String tensor, DeviceArray values, long... shape) throws IOException {
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        Npy.write(dir.resolve("out").resolve(kind + "_" + name + "_" + tensor + ".npy"), values.download(new float[(int) n]), shape);
    }

    private void release() throws Exception {
        for (AutoCloseable c : held) {
            c.close();
        }
        held.clear();
    }

    private static int i(long v) {
        return Math.toIntExact(v);
    }

    private void conv(String name, int stride, int pad) throws IOException {
        Npy.Array x = in("conv", name, "x");
        Npy.Array w = in("conv", name, "w");
        ConvShape shape = new ConvShape(i(x.shape()[0]), i(x.shape()[1]), i(x.shape()[2]), i(x.shape()[3]), i(w.shape()[0]),
                i(w.shape()[2]), i(w.shape()[3]), stride, pad);
        DeviceArray dx = up(x);
        DeviceArray dw = up(w);
        DeviceArray dy = up(in("conv", name, "dy"));
        for (Precision precision : Precision.values()) {
            String p = precision.name().toLowerCase(Locale.ROOT);
            try (Convolution conv = new Convolution(device, shape, precision)) {
                DeviceArray y = floats(shape.outputFloats());
                DeviceArray gx = floats(shape.inputFloats());
                DeviceArray gw = floats(shape.weightFloats());
                conv.forward(dx, dw, y);
                conv.backwardData(dw, dy, gx, false);
                conv.backwardFilter(dx, dy, gw);
                out("conv", name, "y_" + p, y, shape.n(), shape.k(), shape.outH(), shape.outW());
                out("conv", name, "dx_" + p, gx, x.shape());
                out("conv", name, "dw_" + p, gw, w.shape());
                System.out.printf(Locale.ROOT, "  conv %s %s: algorithms %s, workspace %d bytes%n", name, p,
                        Arrays.toString(conv.algorithms()), conv.workspaceBytes());
            }
        }
    }

    private void batchNorm(String name, double momentum, double eps) throws IOException {
        Npy.Array x = in("bn", name, "x");
        long[] s = x.shape();
        int c = i(s[1]);
        DeviceArray dx = up(x);
        DeviceArray gamma = up(in("bn", name, "gamma"));
        DeviceArray beta = up(in("bn", name, "beta"));
        DeviceArray mean = up(in("bn", name, "rmean"));
        DeviceArray var = up(in("bn", name, "rvar"));
        DeviceArray dy = up(in("bn", name, "dy"));
        DeviceArray y = floats(x.size());
        DeviceArray yEval = floats(x.size());
        DeviceArray gx = floats(x.size());
        DeviceArray savedMean = floats(c);
        DeviceArray savedInvStd = floats(c);
        DeviceArray dGamma = floats(c);
        DeviceArray dBeta = floats(c);
        try (BatchNorm bn = new BatchNorm(device, i(s[0]), c, i(s[2]), i(s[3]))) {
            bn.forwardInference(dx, yEval, gamma, beta, mean, var, eps);
            bn.forwardTraining(dx, y, gamma, beta, mean, var, momentum, eps, savedMean, savedInvStd);
            bn.backward(dx, dy, gx, false, gamma, dGamma, dBeta, eps, savedMean, savedInvStd);
        }
        out("bn", name, "y", y, s);
        out("bn", name, "yeval", yEval, s);
        out("bn", name, "dx", gx, s);
        out("bn", name, "rmean", mean, c);
        out("bn", name, "rvar", var, c);
        out("bn", name, "savedmean", savedMean, c);
        out("bn", name, "savedinvstd", savedInvStd, c);
        out("bn", name, "dgamma", dGamma, c);
        out("bn", name, "dbeta", dBeta, c);
    }

    private void maxPool(String name, int k, int stride, int pad) throws IOException {
        Npy.Array x = in("maxpool", name, "x");
        Npy.Array dyArray = in("maxpool", name, "dy");
        long[] s = x.shape();
        DeviceArray dx = up(x);
        DeviceArray dy = up(dyArray);
        DeviceArray y = floats(dyArray.size());
        DeviceArray argmax = floats(dyArray.size());
        DeviceArray gx = floats(x.size());
        int planes = i(s[0] * s[1]);
        kernels.maxPoolForward(dx, y, argmax, planes, i(s[2]), i(s[3]), k, stride, pad);
        kernels.maxPoolBackward(dy, argmax, gx, planes, i(s[2]), i(s[3]), k, stride, pad);
        out("maxpool", name, "y", y, dyArray.shape());
        out("maxpool", name, "dx", gx, s);
    }

    private void relu(String name) throws IOException {
        Npy.Array x = in("relu", name, "x");
        DeviceArray dx = up(x);
        DeviceArray dy = up(in("relu", name, "dy"));
        DeviceArray y = floats(x.size());
        DeviceArray gx = floats(x.size());
        kernels.reluForward(dx, y, x.size());
        kernels.reluBackward(y, dy, gx, x.size());
        out("relu", name, "y", y, x.shape());
        out("relu", name, "dx", gx, x.shape());
    }

    private void add(String name) throws IOException {
        Npy.Array a = in("add", name, "a");
        DeviceArray da = up(a);
        DeviceArray db = up(in("add", name, "b"));
        DeviceArray y = floats(a.size());
        kernels.add(da, db, y, a.size());
        out("add", name, "y", y, a.shape());
    }

    private void meanPool(String name) throws IOException {
        Npy.Array x = in("meanpool", name, "x");
        long[] s = x.shape();
        int planes = i(s[0] * s[1]);
        int hw = i(s[2] * s[3]);
        DeviceArray dx = up(x);
        DeviceArray dy = up(in("meanpool", name, "dy"));
        DeviceArray y = floats(planes);
        DeviceArray gx = floats(x.size());
        kernels.meanPoolForward(dx, y, planes, hw);
        kernels.meanPoolBackward(dy, gx, planes, hw);
        out("meanpool", name, "y", y, s[0], s[1]);
        out("meanpool", name, "dx", gx, s);
    }

    private void classifier(String name) throws IOException {
        Npy.Array x = in("fc", name, "x");
        Npy.Array w = in("fc", name, "w");
        int n = i(x.shape()[0]);
        int d = i(x.shape()[1]);
        int k = i(w.shape()[0]);
        DeviceArray dx = up(x);
        DeviceArray dw = up(w);
        DeviceArray db = up(in("fc", name, "b"));
        DeviceArray dy = up(in("fc", name, "dy"));
        DeviceArray y = floats((long) n * k);
        DeviceArray gx = floats((long) n * d);
        DeviceArray gw = floats((long) k * d);
        DeviceArray gb = floats(k);
        Classifier fc = new Classifier(device, kernels);
        fc.forward(dx, dw, db, y, n, d, k);
        fc.backward(dx, dw, dy, gx, gw, gb, n, d, k);
        out("fc", name, "y", y, n, k);
        out("fc", name, "dx", gx, n, d);
        out("fc", name, "dw", gw, k, d);
        out("fc", name, "db", gb, k);
    }

    private void crossEntropy(String name) throws IOException {
        Npy.Array logits = in("xent", name, "logits");
        int rows = i(logits.shape()[0]);
        int classes = i(logits.shape()[1]);
        DeviceArray z = up(logits);
        DeviceArray labels = up(in("xent", name, "labels"));
        DeviceArray dz = floats(logits.size());
        DeviceArray losses = device.allocate(8L * rows);
        held.add(losses);
        kernels.softmaxCrossEntropy(z, labels, dz, losses, rows, classes, 1f);
        out("xent", name, "dlogits", dz, rows, classes);
        float[] asFloats = losses.download(new float[2 * rows]);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * rows).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(asFloats);
        float[] loss = new float[rows];
        for (int r = 0; r < rows; r++) {
            loss[r] = (float) b.getDouble(8 * r);
        }
        Npy.write(dir.resolve("out").resolve("xent_" + name + "_loss.npy"), loss, rows);
    }

    private void normalize(String name) throws IOException {
        Npy.Array images = in("normalize", name, "images");
        long[] s = images.shape();
        int n = i(s[0]);
        int side = i(s[1]);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
        DeviceArray u8 = up(images);
        DeviceArray y = floats(images.size());
        kernels.normalize(u8, y, n, side, scale, shift);
        out("normalize", name, "y", y, n, 3, side, side);
    }

    private void sgd(String name, float count, float lr, float momentum) throws IOException {
        Npy.Array p = in("sgd", name, "p");
        DeviceArray dp = up(p);
        DeviceArray dv = up(in("sgd", name, "v"));
        DeviceArray sum = up(in("sgd", name, "sum"));
        kernels.sgdStep(dp, dv, sum, p.size(), count, lr, momentum);
        out("sgd", name, "p", dp, p.shape());
        out("sgd", name, "v", dv, p.shape());
    }

    private void timeConv(String name, int stride, int pad, int iterations) throws IOException {
        Npy.Array x = in("time_conv", name, "x");
        Npy.Array w = in("time_conv", name, "w");
        ConvShape shape = new ConvShape(i(x.shape()[0]), i(x.shape()[1]), i(x.shape()[2]), i(x.shape()[3]), i(w.shape()[0]),
                i(w.shape()[2]), i(w.shape()[3]), stride, pad);
        DeviceArray dx = up(x);
        DeviceArray dw = up(w);
        DeviceArray y = floats(shape.outputFloats());
        DeviceArray dy = floats(shape.outputFloats());
        DeviceArray gx = floats(shape.inputFloats());
        DeviceArray gw = floats(shape.weightFloats());
        for (Precision precision : Precision.values()) {
            try (Convolution conv = new Convolution(device, shape, precision)) {
                Runnable step = () -> {
                    conv.forward(dx, dw, y);
                    conv.backwardData(dw, y, gx, false);
                    conv.backwardFilter(dx, y, gw);
                };
                double ms = time(step, iterations);
                System.out.printf(Locale.ROOT, "TIME conv %s %s %.4f ms (forward + backward, %s)%n", name,
                        precision.name().toLowerCase(Locale.ROOT), ms, shape);
            }
        }
    }

    private void timeBatchNorm(String name, int iterations) throws IOException {
        Npy.Array x = in("time_bn", name, "x");
        long[] s = x.shape();
        int c = i(s[1]);
        DeviceArray dx = up(x);
        DeviceArray y = floats(x.size());
        DeviceArray gx = floats(x.size());
        DeviceArray gamma = floats(c).upload(filled(c, 1f));
        DeviceArray beta = floats(c).zero();
        DeviceArray mean = floats(c).zero();
        DeviceArray var = floats(c).upload(filled(c, 1f));
        DeviceArray savedMean = floats(c);
        DeviceArray savedInvStd = floats(c);
        DeviceArray dGamma = floats(c);
        DeviceArray dBeta = floats(c);
        try (BatchNorm bn = new BatchNorm(device, i(s[0]), c, i(s[2]), i(s[3]))) {
            Runnable step = () -> {
                bn.forwardTraining(dx, y, gamma, beta, mean, var, 0.1, 1e-5, savedMean, savedInvStd);
                bn.backward(dx, y, gx, false, gamma, dGamma, dBeta, 1e-5, savedMean, savedInvStd);
            };
            System.out.printf(Locale.ROOT, "TIME bn %s %.4f ms (forward + backward, %s)%n", name, time(step, iterations),
                    Arrays.toString(s));
        }
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    /** The median of five runs of {@code iterations} calls, in milliseconds per call, after a warm-up. */
    private double time(Runnable step, int iterations) {
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        device.synchronize();
        double[] runs = new double[5];
        for (int r = 0; r < runs.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                step.run();
            }
            device.synchronize();
            runs[r] = (System.nanoTime() - t0) / 1e6 / iterations;
        }
        Arrays.sort(runs);
        return runs[runs.length / 2];
    }
}
