package dev.maas.testing;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * A small multi-layer perceptron {@code y = relu(x · W1 + b1) · W2 + b2} with seeded weights, as a
 * DJL-native model: {@link #save} writes a real DJL {@code <name>-0000.params} file from a DJL
 * {@link Block} built by {@link MlpBlockFactory}, and {@link #forward} computes the same function
 * in plain Java to check an engine's numbers independently.
 *
 * <p>Compiled against DJL's API only; saving needs an engine that can initialise blocks (PyTorch)
 * on the class path at run time. Immutable and thread-safe.
 *
 * @param w1 first layer weights, shape (inputs, hidden)
 * @param b1 first layer bias, shape (hidden)
 * @param w2 second layer weights, shape (hidden, outputs)
 * @param b2 second layer bias, shape (outputs)
 */
public record MlpModel(float[][] w1, float[] b1, float[][] w2, float[] b2) {

    /** Returns an MLP with weights uniform in [-1, 1) drawn from {@code seed}. */
    public static MlpModel random(int inputs, int hidden, int outputs, long seed) {
        Random random = new Random(seed);
        return new MlpModel(
                ReferenceMath.uniform(random, inputs, hidden, 1f),
                ReferenceMath.uniform(random, 1, hidden, 1f)[0],
                ReferenceMath.uniform(random, hidden, outputs, 1f),
                ReferenceMath.uniform(random, 1, outputs, 1f)[0]);
    }

    /** Returns the input width. */
    public int inputs() {
        return w1.length;
    }

    /** Returns the hidden width. */
    public int hidden() {
        return b1.length;
    }

    /** Returns the output width. */
    public int outputs() {
        return b2.length;
    }

    /**
     * Returns the card properties a DJL-native model of this MLP needs: the block factory's class
     * name under {@code blockFactory} and the layer sizes it reads.
     */
    public Map<String, String> cardProperties() {
        return Map.of(
                "blockFactory",
                MlpBlockFactory.class.getName(),
                MlpBlockFactory.HIDDEN,
                Integer.toString(hidden()),
                MlpBlockFactory.OUTPUTS,
                Integer.toString(outputs()));
    }

    /** Saves the model with the default DJL engine, see {@link #save(Path, String, String)}. */
    public Path save(Path dir, String name) {
        return save(dir, name, Engine.getDefaultEngineName());
    }

    /**
     * Builds the block, sets its parameters to these weights and saves it with DJL as {@code
     * <dir>/<name>-0000.params}.
     *
     * @return the parameter file written
     */
    public Path save(Path dir, String name, String engine) {
        try (Model model = Model.newInstance(name, engine)) {
            SequentialBlock block = MlpBlockFactory.build(hidden(), outputs());
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, inputs()));
            // DJL's Linear keeps weight as (units, inputFeatures) and computes x · weightᵀ + bias.
            setLinear(block.getChildren().get(0).getValue(), w1, b1);
            setLinear(block.getChildren().get(2).getValue(), w2, b2);
            Files.createDirectories(dir);
            model.save(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save MLP " + name + " to " + dir, e);
        }
        return dir.resolve(name + "-0000.params");
    }

    private static void setLinear(Block block, float[][] w, float[] b) {
        Linear linear = (Linear) block;
        linear.getParameters()
                .get("weight")
                .getArray()
                .set(ReferenceMath.flatten(ReferenceMath.transpose(w)));
        linear.getParameters().get("bias").getArray().set(b);
    }

    /** Returns {@code relu(x · W1 + b1) · W2 + b2} computed in plain Java. */
    public float[][] forward(float[][] x) {
        return ReferenceMath.affine(ReferenceMath.relu(ReferenceMath.affine(x, w1, b1)), w2, b2);
    }
}
