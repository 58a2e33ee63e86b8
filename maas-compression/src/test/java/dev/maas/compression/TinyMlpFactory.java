package dev.maas.compression;

import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.Map;

/** A 8 -> 32 -> 1 MLP, built by name when a published compressed version loads. */
public final class TinyMlpFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Public no-argument constructor, as the backend makes factories by name. */
    public TinyMlpFactory() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return create();
    }

    static SequentialBlock create() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(32).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
    }
}
