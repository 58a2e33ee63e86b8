package dev.maas.examples;

import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the architecture of the example's watch-time model: 8 features, one hidden layer of 16
 * ReLU units, one output. The repository stores only the weights; the card names this class so that
 * any process with it on the class path can load the model.
 */
public final class WatchTimeBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Number of input features. */
    public static final int FEATURES = 8;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return create();
    }

    /** Returns a fresh, uninitialised block. */
    public static Block create() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(16).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
    }
}
