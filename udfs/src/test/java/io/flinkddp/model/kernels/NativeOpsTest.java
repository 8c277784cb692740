package io.flinkddp.model.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * NativeOps in float32 with helpers allowed (oneDNN in this build) against the same math in plain
 * Java double loops; the loops' gradients are checked once by central finite differences.
 */
class NativeOpsTest {

    private static final double TOL = 1e-4;
    private static final int N = 4, C = 8, H = 10, W = 10, OC = 6;
    private static final ArrayPool POOL = new ArrayPool();

    /** 3x3, stride 1, pad 1 convolution backward: {dx, dw}. */
    private static INDArray[] convBack(INDArray x, INDArray w, INDArray dy, boolean helpers) {
        INDArray dw = Nd4j.createUninitialized(DataType.FLOAT, w.shape());
        return new INDArray[] {NativeOps.conv2dBackward(POOL, x, w, null, dy, 1, 1, dw, null, helpers), dw};
    }

    @Test
    void buildHasOneDnnAndUsesIt() {
        assertTrue(Nd4jCpu.Environment.getInstance().isUseONEDNN(), "libnd4j reports oneDNN off");
    }

    @Test
    void helpersSwitchTheImplementation() {
        // allowHelpers(true) and (false) must take different code paths: oneDNN's and the generic
        // C++ kernels sum in different orders, so at least the last bits differ.
        Random rnd = new Random(21);
        INDArray x = f32(randn(rnd, N * C * H * W), N, C, H, W), w = f32(randn(rnd, OC * C * 9), OC, C, 3, 3);
        INDArray dy = f32(randn(rnd, N * OC * H * W), N, OC, H, W);
        INDArray[] on = convBack(x, w, dy, true);
        INDArray[] off = convBack(x, w, dy, false);
        double convDiff = on[1].sub(off[1]).norm2Number().doubleValue() / off[1].norm2Number().doubleValue();
        INDArray g = f32(randn(rnd, C), C), b = f32(randn(rnd, C), C), dyb = f32(randn(rnd, N * C * H * W), N, C, H, W);
        NativeOps.BatchNormResult f = NativeOps.batchNormTrain(POOL, x, g, b, NativeOps.BN_EPS, true);
        INDArray[] bnOn = NativeOps.batchNormBackward(POOL, x, f.batchMean(), f.batchVar(), g, b, dyb, NativeOps.BN_EPS, true);
        INDArray[] bnOff = NativeOps.batchNormBackward(POOL, x, f.batchMean(), f.batchVar(), g, b, dyb, NativeOps.BN_EPS, false);
        double bnDiff = bnOn[0].sub(bnOff[0]).norm2Number().doubleValue() / bnOff[0].norm2Number().doubleValue();
        System.out.printf("helpers on vs off: conv2d_bp dw rel %.2e, batchnorm_bp dx rel %.2e%n", convDiff, bnDiff);
        assertTrue(convDiff > 0 && convDiff < TOL, "conv2d_bp on/off rel " + convDiff);
        assertTrue(bnDiff > 0 && bnDiff < TOL, "batchnorm_bp on/off rel " + bnDiff);
    }

    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "kernels.timing", matches = "true")
    void oneDnnConvIsMuchFasterThanGeneric() {
        // One timing (cores are shared): 16x64x56x56, 3x3 conv, forward + backward, helpers on/off.
        Random rnd = new Random(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 64, 56, 56), w = Nd4j.rand(DataType.FLOAT, 64, 64, 3, 3);
        INDArray dy = Nd4j.rand(DataType.FLOAT, 16, 64, 56, 56);
        double[] secs = new double[2];
        for (int mode = 0; mode < 2; mode++) {
            boolean helpers = mode == 0;
            convBack(x, w, NativeOps.conv2d(POOL, x, w, null, 1, 1, helpers), helpers);   // warm-up
            long t0 = System.nanoTime();
            NativeOps.conv2d(POOL, x, w, null, 1, 1, helpers);
            convBack(x, w, dy, helpers);
            secs[mode] = (System.nanoTime() - t0) / 1e9;
        }
        System.out.printf("16x64x56x56 conv fwd+bwd: helpers on %.3f s, off %.3f s%n", secs[0], secs[1]);
        assertTrue(secs[1] > 3 * secs[0], "oneDNN not clearly faster");
    }

    @Test
    void rawBatchNormOpsOnPermutedView() {
        // The ops fed the permuted view (x and dy) themselves, without NativeOps' dense() copy:
        // both paths handle the strides in M2.1 (cf. #7261, #8597, #8860), so dense() is only a guard.
        Random rnd = new Random(6);
        double[] x = shifted(randn(rnd, N * C * H * W), -0.3, 2.5);
        double[] gamma = randn(rnd, C), beta = randn(rnd, C), dy = randn(rnd, N * C * H * W);
        INDArray view = f32(x, N, C, H, W).permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
        INDArray dyView = f32(dy, N, C, H, W).permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
        Ref.Bn ref = Ref.bn(x, gamma, beta, new double[C], new double[C], N, C, H * W);
        double[][] g64 = Ref.bnBack(x, gamma, dy, N, C, H * W);
        INDArray mean = view.mean(0, 2, 3), var = view.var(false, 0, 2, 3);
        for (boolean helpers : new boolean[] {true, false}) {
            INDArray y = Nd4j.create(DataType.FLOAT, N, C, H, W);
            NativeOps.run("batchnorm", new INDArray[] {view, mean, var, f32(gamma, C), f32(beta, C)}, new INDArray[] {y},
                    new long[] {1, 1, 1}, new double[] {NativeOps.BN_EPS}, helpers);
            INDArray dx = Nd4j.create(DataType.FLOAT, N, C, H, W);
            INDArray[] outs = {dx, Nd4j.create(DataType.FLOAT, C), Nd4j.create(DataType.FLOAT, C),
                    Nd4j.create(DataType.FLOAT, C), Nd4j.create(DataType.FLOAT, C)};
            NativeOps.run("batchnorm_bp", new INDArray[] {view, mean, var, f32(gamma, C), f32(beta, C), dyView}, outs,
                    new long[] {1, 1, 1}, new double[] {NativeOps.BN_EPS}, helpers);
            String tag = "raw view helpers=" + helpers + " ";
            assertClose(tag + "y", ref.y(), y);
            assertClose(tag + "dx", g64[0], dx);
            assertClose(tag + "dgamma", g64[1], outs[3]);
            assertClose(tag + "dbeta", g64[2], outs[4]);
        }
    }

    @Test
    void oneDnnBatchNormScramblesGammaBetaOnFortranOrderInput() {
        // libnd4j M2.1's oneDNN batchnorm and batchnorm_bp pack gamma and beta into a [2, c] array
        // created in the INPUT's order, then hand its buffer to oneDNN as row-major [2, c]. For an
        // 'f'-order input oneDNN reads (g0, b0, g1, b1, ...) as gamma: wrong y and dx; and the [2, c]
        // dLdW it writes row-major is read back in 'f' order: wrong dgamma, dbeta. With gamma = beta = 1
        // the input packing is the same in both orders and y, dx come right, which pins the cause.
        // NativeOps.dense() (a 'c' copy) is the workaround.
        Random rnd = new Random(7);
        double[] x = shifted(randn(rnd, N * C * H * W), 0.4, 1.5);
        double[] dy = randn(rnd, N * C * H * W);
        double[] ones = new double[C];
        java.util.Arrays.fill(ones, 1.0);
        double[] gamma = randn(rnd, C), beta = randn(rnd, C);
        INDArray xF = f32(x, N, C, H, W).dup('f'), dyF = f32(dy, N, C, H, W).dup('f');

        double[] onednn = rawBnErrors(xF, dyF, x, dy, gamma, beta, true);
        for (double e : onednn) assertTrue(e > 0.5, "oneDNN on 'f' input is right now: drop the workaround?");
        // gamma = beta = 1: y and dx come right, dgamma/dbeta (read back from the 'f' [2, c] dLdW) do not.
        double[] unit = rawBnErrors(xF, dyF, x, dy, ones, ones, true);
        assertTrue(unit[0] <= TOL && unit[1] <= TOL, "gamma = beta = 1 should hide the packing bug in y and dx");
        assertTrue(unit[2] > 0.5 && unit[3] > 0.5, "dgamma/dbeta are read back through the same packing");
        for (double e : rawBnErrors(xF, dyF, x, dy, gamma, beta, false)) assertTrue(e <= TOL, "generic batchnorm on 'f' input");

        double[] rm = new double[C], rv = new double[C];
        Ref.Bn ref = Ref.bn(x, gamma, beta, rm, rv, N, C, H * W);
        double[][] g64 = Ref.bnBack(x, gamma, dy, N, C, H * W);
        INDArray gf = f32(gamma, C), bf = f32(beta, C);
        NativeOps.BatchNormResult r = NativeOps.batchNormTrain(POOL, xF, gf, bf, NativeOps.BN_EPS, true);
        INDArray[] g = NativeOps.batchNormBackward(POOL, xF, r.batchMean(), r.batchVar(), gf, bf, dyF, NativeOps.BN_EPS, true);
        assertClose("bn f-order via NativeOps y", ref.y(), r.y());
        assertClose("bn f-order via NativeOps dx", g64[0], g[0]);
        assertClose("bn f-order via NativeOps dgamma", g64[1], g[1]);
        assertClose("bn f-order via NativeOps dbeta", g64[2], g[2]);
    }

    /** The relative errors of y, dx, dgamma, dbeta when the raw ops get xF and dyF as they are. */
    private static double[] rawBnErrors(INDArray xF, INDArray dyF, double[] x, double[] dy, double[] gamma, double[] beta,
                                     boolean helpers) {
        Ref.Bn ref = Ref.bn(x, gamma, beta, new double[C], new double[C], N, C, H * W);
        double[][] g64 = Ref.bnBack(x, gamma, dy, N, C, H * W);
        INDArray mean = xF.mean(0, 2, 3), var = xF.var(false, 0, 2, 3);
        INDArray y = Nd4j.create(DataType.FLOAT, new long[] {N, C, H, W}, 'f');
        NativeOps.run("batchnorm", new INDArray[] {xF, mean, var, f32(gamma, C), f32(beta, C)}, new INDArray[] {y},
                new long[] {1, 1, 1}, new double[] {NativeOps.BN_EPS}, helpers);
        INDArray dx = Nd4j.create(DataType.FLOAT, new long[] {N, C, H, W}, 'f');
        INDArray[] outs = {dx, Nd4j.create(DataType.FLOAT, C), Nd4j.create(DataType.FLOAT, C),
                Nd4j.create(DataType.FLOAT, C), Nd4j.create(DataType.FLOAT, C)};
        NativeOps.run("batchnorm_bp", new INDArray[] {xF, mean, var, f32(gamma, C), f32(beta, C), dyF}, outs,
                new long[] {1, 1, 1}, new double[] {NativeOps.BN_EPS}, helpers);
        double[] errs = {
                relErr(ref.y(), y.dup('c').castTo(DataType.DOUBLE).data().asDouble()),
                relErr(g64[0], dx.dup('c').castTo(DataType.DOUBLE).data().asDouble()),
                relErr(g64[1], outs[3].castTo(DataType.DOUBLE).data().asDouble()),
                relErr(g64[2], outs[4].castTo(DataType.DOUBLE).data().asDouble())};
        System.out.printf("raw bn on 'f' input, helpers=%s, gamma=beta=1: %s: y %.2e dx %.2e dgamma %.2e dbeta %.2e%n",
                helpers, gamma[0] == 1.0 && beta[0] == 1.0, errs[0], errs[1], errs[2], errs[3]);
        return errs;
    }

    @Test
    void conv3x3Stride1Pad1MatchesFloat64() {
        checkConv(1, 1);
    }

    @Test
    void conv3x3Stride2Pad1MatchesFloat64() {
        checkConv(2, 1);
    }

    private void checkConv(int s, int p) {
        Random rnd = new Random(11 + s);
        double[] x = randn(rnd, N * C * H * W), w = randn(rnd, OC * C * 9);
        int oh = (H + 2 * p - 3) / s + 1, ow = (W + 2 * p - 3) / s + 1;
        double[] dy = randn(rnd, N * OC * oh * ow);
        double[] y64 = Ref.conv(x, w, N, C, H, W, OC, 3, s, p);
        double[][] g64 = Ref.convBack(x, w, dy, N, C, H, W, OC, 3, s, p);

        INDArray xf = f32(x, N, C, H, W), wf = f32(w, OC, C, 3, 3), dyf = f32(dy, N, OC, oh, ow);
        INDArray y = NativeOps.conv2d(POOL, xf, wf, null, s, p, true);
        INDArray dw = Nd4j.create(DataType.FLOAT, OC + 1, C, 3, 3).get(NDArrayIndex.interval(1, OC + 1));  // a view at an offset, as a gradient view
        INDArray[] g = {NativeOps.conv2dBackward(POOL, xf, wf, null, dyf, s, p, dw, null, true), dw};
        assertClose("conv s" + s + " y", y64, y);
        assertClose("conv s" + s + " dx", g64[0], g[0]);
        assertClose("conv s" + s + " dw", g64[1], g[1]);
    }

    @Test
    void batchNormMatchesFloat64() {
        Random rnd = new Random(5);
        double[] x = shifted(randn(rnd, N * C * H * W), 0.7, 1.9);
        double[] gamma = randn(rnd, C), beta = randn(rnd, C), dy = randn(rnd, N * C * H * W);
        checkBatchNorm("bn", f32(x, N, C, H, W), x, gamma, beta, dy);
    }

    @Test
    void batchNormOnPermutedViewMatchesFloat64() {
        Random rnd = new Random(6);
        double[] x = shifted(randn(rnd, N * C * H * W), -0.3, 2.5);
        double[] gamma = randn(rnd, C), beta = randn(rnd, C), dy = randn(rnd, N * C * H * W);
        // The same values stored NHWC, seen NCHW through a permute: a non-contiguous view.
        INDArray view = f32(x, N, C, H, W).permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
        checkBatchNorm("bn-view", view, x, gamma, beta, dy);
    }

    private void checkBatchNorm(String name, INDArray xf, double[] x, double[] gamma, double[] beta, double[] dy) {
        double[] rm = new double[C], rv = new double[C];
        java.util.Arrays.fill(rv, 1.0);
        for (int i = 0; i < C; i++) rm[i] = 0.05 * i;
        Ref.Bn ref = Ref.bn(x, gamma, beta, rm, rv, N, C, H * W);
        double[][] g64 = Ref.bnBack(x, gamma, dy, N, C, H * W);

        INDArray rmf = f32(rm, C), rvf = f32(rv, C), gf = f32(gamma, C), bf = f32(beta, C);
        NativeOps.BatchNormResult r = NativeOps.batchNormTrain(POOL, xf, gf, bf, NativeOps.BN_EPS, true);
        INDArray meanDelta = Nd4j.create(DataType.FLOAT, C), varDelta = Nd4j.create(DataType.FLOAT, C);
        NativeOps.runningStatisticDeltas(r, (long) N * H * W, NativeOps.BN_MOMENTUM, rmf, rvf, meanDelta, varDelta);
        rmf.subi(meanDelta);
        rvf.subi(varDelta);
        INDArray[] g = NativeOps.batchNormBackward(POOL, xf, r.batchMean(), r.batchVar(), gf, bf,
                f32(dy, N, C, H, W), NativeOps.BN_EPS, true);
        assertClose(name + " y", ref.y(), r.y());
        assertClose(name + " running_mean", ref.runningMean(), rmf);
        assertClose(name + " running_var", ref.runningVar(), rvf);
        assertClose(name + " dx", g64[0], g[0]);
        assertClose(name + " dgamma", g64[1], g[1]);
        assertClose(name + " dbeta", g64[2], g[2]);
    }

    @Test
    void reluThenMaxPool3x3Stride2GradientMatchesFloat64() {
        Random rnd = new Random(8);
        double[] x = randn(rnd, N * C * H * W);
        int o = (H + 2 - 3) / 2 + 1;
        double[] dy = randn(rnd, N * C * o * o);
        double[] r64 = new double[x.length];
        for (int i = 0; i < x.length; i++) r64[i] = Math.max(0, x[i]);
        double[] y64 = Ref.maxPool(r64, N * C, H, W, 3, 2, 1, null);
        double[] dr64 = new double[x.length];
        Ref.maxPool(r64, N * C, H, W, 3, 2, 1, new double[][] {dy, dr64});
        double[] dx64 = new double[x.length];
        for (int i = 0; i < x.length; i++) dx64[i] = x[i] > 0 ? dr64[i] : 0;

        INDArray xf = f32(x, N, C, H, W);
        INDArray rf = org.nd4j.linalg.ops.transforms.Transforms.relu(xf, true);
        INDArray y = NativeOps.maxPool2d(POOL, rf, 3, 2, 1, true);
        INDArray dr = NativeOps.maxPool2dBackward(POOL, rf, f32(dy, N, C, o, o), 3, 2, 1, true);
        INDArray dx = dr.mul(xf.gt(0).castTo(DataType.FLOAT));
        assertClose("maxpool y", y64, y);
        assertClose("relu+maxpool dx", dx64, dx);
    }

    @Test
    void referenceGradientsAgreeWithFiniteDifferences() {
        Random rnd = new Random(3);
        int n = 2, c = 3, h = 5, w = 5, oc = 2;
        double[] x = randn(rnd, n * c * h * w), wt = randn(rnd, oc * c * 9);
        double[] gamma = randn(rnd, c), beta = randn(rnd, c);
        for (int s = 1; s <= 2; s++) {
            int os = (h + 2 - 3) / s + 1;
            final int st = s;
            double[] dy = randn(rnd, n * oc * os * os);
            double[][] g = Ref.convBack(x, wt, dy, n, c, h, w, oc, 3, s, 1);
            assertFd("conv dx s" + s, x, g[0], () -> dot(Ref.conv(x, wt, n, c, h, w, oc, 3, st, 1), dy));
            assertFd("conv dw s" + s, wt, g[1], () -> dot(Ref.conv(x, wt, n, c, h, w, oc, 3, st, 1), dy));
        }
        double[] dy = randn(rnd, x.length);
        double[][] g = Ref.bnBack(x, gamma, dy, n, c, h * w);
        java.util.function.DoubleSupplier loss =
                () -> dot(Ref.bn(x, gamma, beta, new double[c], new double[c], n, c, h * w).y(), dy);
        assertFd("bn dx", x, g[0], loss);
        assertFd("bn dgamma", gamma, g[1], loss);
        assertFd("bn dbeta", beta, g[2], loss);
    }

    private static void assertFd(String name, double[] param, double[] grad, java.util.function.DoubleSupplier loss) {
        double[] fd = new double[param.length];
        double eps = 1e-5;
        for (int i = 0; i < param.length; i++) {
            double keep = param[i];
            param[i] = keep + eps;
            double up = loss.getAsDouble();
            param[i] = keep - eps;
            double down = loss.getAsDouble();
            param[i] = keep;
            fd[i] = (up - down) / (2 * eps);
        }
        double err = relErr(fd, grad);
        System.out.printf("finite differences %-14s rel %.2e%n", name, err);
        assertTrue(err < 1e-7, name + " finite differences rel " + err);
    }

    // ---- helpers ----

    static void assertClose(String name, double[] ref, INDArray got) {
        double[] g = got.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double err = relErr(ref, g);
        System.out.printf("oneDNN float32 vs float64 %-18s rel %.2e%n", name, err);
        assertTrue(err <= TOL, name + ": relative error " + err + " > " + TOL);
    }

    static double relErr(double[] ref, double[] got) {
        if (ref.length != got.length) throw new AssertionError("lengths " + ref.length + " vs " + got.length);
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            num += (got[i] - ref[i]) * (got[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    static double[] randn(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();   // exactly representable in float32
        return a;
    }

    static double[] shifted(double[] a, double shift, double scale) {
        for (int i = 0; i < a.length; i++) a[i] = (float) (a[i] * scale + shift);
        return a;
    }

    static INDArray f32(double[] a, long... shape) {
        return Nd4j.create(a, shape, DataType.DOUBLE).castTo(DataType.FLOAT);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** The float64 reference: the textbook formulas, torch's conventions, NCHW row-major. */
    static final class Ref {
        record Bn(double[] y, double[] runningMean, double[] runningVar) {}

        static double[] conv(double[] x, double[] w, int n, int c, int h, int wd, int oc, int k, int s, int p) {
            int oh = (h + 2 * p - k) / s + 1, ow = (wd + 2 * p - k) / s + 1;
            double[] y = new double[n * oc * oh * ow];
            for (int b = 0; b < n; b++) for (int o = 0; o < oc; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
                double acc = 0;
                for (int ci = 0; ci < c; ci++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++) {
                    int r = i * s - p + u, q = j * s - p + v;
                    if (r >= 0 && r < h && q >= 0 && q < wd)
                        acc += x[((b * c + ci) * h + r) * wd + q] * w[((o * c + ci) * k + u) * k + v];
                }
                y[((b * oc + o) * oh + i) * ow + j] = acc;
            }
            return y;
        }

        static double[][] convBack(double[] x, double[] w, double[] dy, int n, int c, int h, int wd, int oc, int k, int s, int p) {
            int oh = (h + 2 * p - k) / s + 1, ow = (wd + 2 * p - k) / s + 1;
            double[] dx = new double[x.length], dw = new double[w.length];
            for (int b = 0; b < n; b++) for (int o = 0; o < oc; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
                double g = dy[((b * oc + o) * oh + i) * ow + j];
                for (int ci = 0; ci < c; ci++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++) {
                    int r = i * s - p + u, q = j * s - p + v;
                    if (r >= 0 && r < h && q >= 0 && q < wd) {
                        int xi = ((b * c + ci) * h + r) * wd + q, wi = ((o * c + ci) * k + u) * k + v;
                        dx[xi] += g * w[wi];
                        dw[wi] += g * x[xi];
                    }
                }
            }
            return new double[][] {dx, dw};
        }

        static Bn bn(double[] x, double[] gamma, double[] beta, double[] rm, double[] rv, int n, int c, int hw) {
            double[] y = new double[x.length], rm2 = rm.clone(), rv2 = rv.clone();
            int m = n * hw;
            for (int ch = 0; ch < c; ch++) {
                double mean = 0, var = 0;
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) mean += x[(b * c + ch) * hw + t];
                mean /= m;
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) { double d = x[(b * c + ch) * hw + t] - mean; var += d * d; }
                double biased = var / m, unbiased = var / (m - 1);
                double inv = 1 / Math.sqrt(biased + NativeOps.BN_EPS);
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) {
                    int i = (b * c + ch) * hw + t;
                    y[i] = gamma[ch] * (x[i] - mean) * inv + beta[ch];
                }
                rm2[ch] = 0.9 * rm[ch] + 0.1 * mean;
                rv2[ch] = 0.9 * rv[ch] + 0.1 * unbiased;
            }
            return new Bn(y, rm2, rv2);
        }

        static double[][] bnBack(double[] x, double[] gamma, double[] dy, int n, int c, int hw) {
            double[] dx = new double[x.length], dg = new double[c], db = new double[c];
            int m = n * hw;
            for (int ch = 0; ch < c; ch++) {
                double mean = 0, var = 0;
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) mean += x[(b * c + ch) * hw + t];
                mean /= m;
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) { double d = x[(b * c + ch) * hw + t] - mean; var += d * d; }
                double inv = 1 / Math.sqrt(var / m + NativeOps.BN_EPS);
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) {
                    int i = (b * c + ch) * hw + t;
                    db[ch] += dy[i];
                    dg[ch] += dy[i] * (x[i] - mean) * inv;
                }
                for (int b = 0; b < n; b++) for (int t = 0; t < hw; t++) {
                    int i = (b * c + ch) * hw + t;
                    double xhat = (x[i] - mean) * inv;
                    dx[i] = gamma[ch] * inv / m * (m * dy[i] - db[ch] - xhat * dg[ch]);
                }
            }
            return new double[][] {dx, dg, db};
        }

        /** Max pool over planes; with grads = {dy, dx} it scatters dy to the first maximum instead. */
        static double[] maxPool(double[] x, int planes, int h, int w, int k, int s, int p, double[][] grads) {
            int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
            double[] y = new double[planes * oh * ow];
            for (int pl = 0; pl < planes; pl++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
                double best = Double.NEGATIVE_INFINITY;
                int arg = -1;
                for (int u = 0; u < k; u++) for (int v = 0; v < k; v++) {
                    int r = i * s - p + u, q = j * s - p + v;
                    if (r >= 0 && r < h && q >= 0 && q < w && x[(pl * h + r) * w + q] > best) {
                        best = x[(pl * h + r) * w + q];
                        arg = (pl * h + r) * w + q;
                    }
                }
                int yi = (pl * oh + i) * ow + j;
                y[yi] = best;
                if (grads != null) grads[1][arg] += grads[0][yi];
            }
            return y;
        }
    }
}
