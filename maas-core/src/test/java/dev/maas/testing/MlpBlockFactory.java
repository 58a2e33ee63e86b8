package dev.maas.testing;

import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the architecture of {@link MlpModel} ({@code Linear -> ReLU -> Linear}) for DJL when it
 * loads saved parameters; the sizes come from the loading arguments {@value #HIDDEN} and {@value
 * #OUTPUTS} (a model card's properties). Thread-safe (stateless).
 */
public final class MlpBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Argument naming the hidden layer's width. */
    public static final String HIDDEN = "mlp.hidden";

    /** Argument naming the output width. */
    public static final String OUTPUTS = "mlp.outputs";

    /** Public no-argument constructor, as DJL and maas instantiate factories by class name. */
    public MlpBlockFactory() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return build(intArgument(arguments, HIDDEN), intArgument(arguments, OUTPUTS));
    }

    /** Returns an uninitialised {@code Linear(hidden) -> ReLU -> Linear(outputs)} block. */
    static SequentialBlock build(int hidden, int outputs) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(outputs).build());
    }

    private static int intArgument(Map<String, ?> arguments, String key) {
        Object value = arguments == null ? null : arguments.get(key);
        if (value == null) {
            throw new IllegalArgumentException(
                    "MlpBlockFactory needs the argument '" + key + "' (a model card property)");
        }
        return Integer.parseInt(value.toString());
    }
}
