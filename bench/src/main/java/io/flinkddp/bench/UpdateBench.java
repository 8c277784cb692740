package io.flinkddp.bench;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The allocation lever of "1. Compute per step": Replica's SGD step and gradient-sum input as they were
 * (a fresh lr*v array per step; a fresh array per 2 MB chunk) against as they are (a preallocated buffer;
 * chunks copied straight into the buffer), on ResNet50-sized arrays (25.6M floats), interleaved.
 * Prints {@code update old|new SECONDS} lines, the medians, and whether both give the same bits.
 */
public final class UpdateBench {

    private static final int N = 25_557_032 + 53_120;
    private static final int CHUNK = 524_288;

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Random random = new Random(1);
        float[] gradient = new float[N];
        for (int i = 0; i < N; i++) {
            gradient[i] = (float) random.nextGaussian();
        }
        INDArray paramsOld = Nd4j.rand(DataType.FLOAT, N);
        INDArray paramsNew = paramsOld.dup();
        INDArray velocityOld = Nd4j.zeros(DataType.FLOAT, N);
        INDArray velocityNew = Nd4j.zeros(DataType.FLOAT, N);
        INDArray sumOld = Nd4j.zeros(DataType.FLOAT, N);
        INDArray sumNew = Nd4j.zeros(DataType.FLOAT, N);
        INDArray scaled = Nd4j.zeros(DataType.FLOAT, N);
        double[][] times = new double[4][repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            for (int offset = 0; offset < N; offset += CHUNK) {
                float[] chunk = Arrays.copyOfRange(gradient, offset, Math.min(N, offset + CHUNK));
                sumOld.get(NDArrayIndex.interval(offset, offset + chunk.length)).assign(Nd4j.createFromArray(chunk));
            }
            long t1 = System.nanoTime();
            sumOld.divi(32);
            velocityOld.muli(0.9).addi(sumOld);
            paramsOld.subi(velocityOld.mul(0.01));
            long t2 = System.nanoTime();
            FloatBuffer target = sumNew.data().asNioFloat();
            for (int offset = 0; offset < N; offset += CHUNK) {
                float[] chunk = Arrays.copyOfRange(gradient, offset, Math.min(N, offset + CHUNK));
                target.position(offset);
                target.put(chunk);
            }
            long t3 = System.nanoTime();
            sumNew.divi(32);
            velocityNew.muli(0.9).addi(sumNew);
            paramsNew.subi(scaled.assign(velocityNew).muli(0.01));
            long t4 = System.nanoTime();
            times[0][r] = (t1 - t0) / 1e9;
            times[1][r] = (t2 - t1) / 1e9;
            times[2][r] = (t3 - t2) / 1e9;
            times[3][r] = (t4 - t3) / 1e9;
            System.out.printf("# round %d: put old %.4f new %.4f, step old %.4f new %.4f%n", r, times[0][r], times[2][r], times[1][r], times[3][r]);
        }
        boolean identical = Arrays.equals(paramsOld.toFloatVector(), paramsNew.toFloatVector())
                && Arrays.equals(velocityOld.toFloatVector(), velocityNew.toFloatVector());
        System.out.printf("update sgd-step old (v.mul(lr) allocates) %.4f s, new (preallocated) %.4f s: %.2fx faster; %d repeats%n",
                StepBench.median(times[1]), StepBench.median(times[3]), StepBench.median(times[1]) / StepBench.median(times[3]), repeats);
        System.out.printf("update put-gradient-sum old (array per chunk) %.4f s, new (copy into buffer) %.4f s: %.2fx faster%n",
                StepBench.median(times[0]), StepBench.median(times[2]), StepBench.median(times[0]) / StepBench.median(times[2]));
        System.out.printf("update bit-identical params and velocity after %d steps: %s%n", repeats, identical);
    }

    private UpdateBench() {
    }
}
