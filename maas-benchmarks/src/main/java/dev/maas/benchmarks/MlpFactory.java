package dev.maas.benchmarks;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The MLPs the benchmarks serve ({@code Linear -> ReLU -> ... -> Linear}, one or more hidden
 * layers), as DJL-native models: {@link #save} writes their parameters, and DJL (directly or
 * through maas) rebuilds the block with this factory when it loads them. The hidden layers are the
 * loading argument {@value #HIDDEN}, widths separated by commas ({@code "1024,1024"}). Stateless
 * and thread-safe.
 */
public final class MlpFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    static final String HIDDEN = "mlp.hidden";
    static final String OUTPUTS = "mlp.outputs";

    /** Public no-argument constructor, as DJL instantiates factories by name. */
    public MlpFactory() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return build(
                arguments.get(HIDDEN).toString(),
                Integer.parseInt(arguments.get(OUTPUTS).toString()));
    }

    static SequentialBlock build(String hidden, int outputs) {
        SequentialBlock block = new SequentialBlock();
        for (String width : hidden.split(",")) {
            block.add(Linear.builder().setUnits(Integer.parseInt(width.trim())).build())
                    .add(Activation::relu);
        }
        return block.add(Linear.builder().setUnits(outputs).build());
    }

    /** Initialises an MLP with one hidden layer and saves it as {@code name}. */
    static void save(Path dir, String name, int inputs, int hidden, int outputs)
            throws IOException {
        save(dir, name, inputs, Integer.toString(hidden), outputs);
    }

    /**
     * Initialises an MLP with the engine's random initialiser (hidden widths separated by commas)
     * and saves it as {@code name}.
     */
    static void save(Path dir, String name, int inputs, String hidden, int outputs)
            throws IOException {
        try (Model model = Model.newInstance(name, "PyTorch")) {
            SequentialBlock block = build(hidden, outputs);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, inputs));
            model.save(dir, name);
        }
    }
}
