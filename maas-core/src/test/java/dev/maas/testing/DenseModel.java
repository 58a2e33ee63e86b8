package dev.maas.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A one-layer model {@code y = relu(x · W + b)} with seeded weights: {@code x} is float32 of shape
 * (N, inputs) with a free batch dimension, {@code y} float32 (N, outputs). Writes itself as an ONNX
 * graph (MatMul, Add, Relu) or as a TorchScript archive, and computes the same function in plain
 * Java. Immutable and thread-safe.
 *
 * @param w weights, shape (inputs, outputs)
 * @param b bias, shape (outputs)
 */
public record DenseModel(float[][] w, float[] b) {
    /** The ONNX graph's input name. */
    public static final String INPUT = "x";

    /** The ONNX graph's output name. */
    public static final String OUTPUT = "y";

    /** Returns a model with weights and bias uniform in [-1, 1) drawn from {@code seed}. */
    public static DenseModel random(int inputs, int outputs, long seed) {
        Random random = new Random(seed);
        float[][] w = ReferenceMath.uniform(random, inputs, outputs, 1f);
        float[] b = ReferenceMath.uniform(random, 1, outputs, 1f)[0];
        return new DenseModel(w, b);
    }

    /** Returns the input width. */
    public int inputs() {
        return w.length;
    }

    /** Returns the output width. */
    public int outputs() {
        return b.length;
    }

    /**
     * Writes the model as ONNX to {@code file} (W as raw_data, b as float_data, batch dimension
     * "N").
     */
    public Path writeOnnx(Path file) {
        return OnnxModelWriter.graph("dense")
                .input(INPUT, OnnxModelWriter.FLOAT, "N", inputs())
                .initializer("W", new long[] {inputs(), outputs()}, ReferenceMath.flatten(w))
                .floatDataInitializer("b", new long[] {outputs()}, b)
                .node("MatMul", List.of(INPUT, "W"), List.of("xw"))
                .node("Add", List.of("xw", "b"), List.of("pre"))
                .node("Relu", List.of("pre"), List.of(OUTPUT))
                .output(OUTPUT, OnnxModelWriter.FLOAT, "N", outputs())
                .write(file);
    }

    /** Writes the model as a TorchScript archive to {@code file}, weights as parameters. */
    public Path writeTorchScript(Path file) {
        return TorchScriptWriter.module("Dense")
                .parameter("weight", new long[] {inputs(), outputs()}, ReferenceMath.flatten(w))
                .parameter("bias", new long[] {outputs()}, b)
                .forward("return torch.relu(torch.add(torch.matmul(x, self.weight), self.bias))")
                .write(file);
    }

    /** Returns {@code relu(x · W + b)} computed in plain Java. */
    public float[][] forward(float[][] x) {
        return ReferenceMath.relu(ReferenceMath.affine(x, w, b));
    }
}
