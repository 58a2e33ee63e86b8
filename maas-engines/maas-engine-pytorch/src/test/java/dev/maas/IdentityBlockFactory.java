package dev.maas;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real DJL model whose output is its input array itself, the same Java object: what a model made
 * of a bare identity gives on PyTorch.
 */
public final class IdentityBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Public no-argument constructor, as the PyTorch backend instantiates factories by name. */
    public IdentityBlockFactory() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return build();
    }

    private static SequentialBlock build() {
        return new SequentialBlock().add(new LambdaBlock(in -> in, "identity"));
    }

    /** Saves the model as {@code name} in {@code dir}, for inputs of {@code width} floats. */
    static void save(Path dir, String name, int width) {
        try (Model model = Model.newInstance(name, "PyTorch")) {
            SequentialBlock block = build();
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, width));
            Files.createDirectories(dir);
            model.save(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
