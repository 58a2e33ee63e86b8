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
 * Builds the content-moderation classifier of {@link ContentModeration}: {@value #FEATURES} hashed
 * bag-of-words features, one hidden layer of {@value #HIDDEN} ReLU units, one logit (sensitive or
 * not). The repository stores only the (compressed) weights; the card names this class.
 */
public final class ModerationBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Number of input features (hashed token buckets). */
    public static final int FEATURES = 512;

    /** Hidden units. */
    public static final int HIDDEN = 128;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return create();
    }

    /** Returns a fresh, uninitialised block. */
    public static Block create() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
    }
}
