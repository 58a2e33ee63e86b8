package dev.maas.compression;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.TensorSpec;
import dev.maas.spi.DjlLoadedModel;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Loads DJL models published with compressed parameters (format {@value #FORMAT}, engine {@value
 * #ENGINE}): the architecture is built by the {@link BlockFactory} named in the card property
 * {@value #BLOCK_FACTORY} (a class on the application's class path, given the card's properties),
 * initialised for the card's first input, and the parameters of {@value #FILE} are decoded into it
 * (quantized values dequantized, pruned weights filled with zeros, low-rank factors multiplied
 * out). It then serves like any DJL model. Registered through {@code META-INF/services}.
 *
 * <p>Stateless and thread-safe.
 */
public final class CompressedBlockBackend implements EngineBackend {
    /** The engine that runs the models. */
    public static final String ENGINE = "PyTorch";

    /** The format of versions this backend loads. */
    public static final String FORMAT = "djl-compressed";

    /** The parameter file in a version folder. */
    public static final String FILE = "parameters.safetensors";

    /** The card property naming the {@link BlockFactory} class. */
    public static final String BLOCK_FACTORY = "blockFactory";

    /** The Maven coordinates named when this backend is missing. */
    public static final String ARTIFACT = "dev.maas:maas-compression";

    /** Creates the backend; called by {@link java.util.ServiceLoader}. */
    public CompressedBlockBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(FORMAT);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return Files.isRegularFile(versionDir.resolve(FILE))
                ? Optional.of(FORMAT)
                : Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        String what = "model " + card.ref();
        String factoryName = card.properties().get(BLOCK_FACTORY);
        if (factoryName == null || factoryName.isBlank()) {
            throw new MalformedModelException(
                    what
                            + ": its card has no '"
                            + BLOCK_FACTORY
                            + "' property naming the"
                            + " BlockFactory class that builds its architecture");
        }
        if (card.inputs().isEmpty()) {
            throw new MalformedModelException(
                    what + ": its card declares no input, which the block needs to initialise");
        }
        BlockFactory factory;
        try {
            Class<?> type =
                    Class.forName(
                            factoryName.trim(),
                            true,
                            Thread.currentThread().getContextClassLoader() != null
                                    ? Thread.currentThread().getContextClassLoader()
                                    : CompressedBlockBackend.class.getClassLoader());
            factory = (BlockFactory) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new MalformedModelException(
                    what + ": cannot make block factory " + factoryName + ": " + e, e);
        }
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new EngineUnavailableException(
                    "engine PyTorch could not start: " + e.getMessage(), e);
        }
        Device device = options.device() == null ? Device.cpu() : options.device();
        Model model = Model.newInstance(card.name(), device, engine.getEngineName());
        try {
            Block block = factory.newBlock(model, versionDir, card.properties());
            model.setBlock(block);
            TensorSpec in = card.inputs().get(0);
            long[] dims = in.shape().getShape().clone();
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dims[i] < 0 ? 1 : dims[i];
            }
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(dims));
            CompressedBlock.load(versionDir.resolve(FILE)).applyTo(block);
            long size = Files.size(versionDir.resolve(FILE));
            return new DjlLoadedModel(
                    card, new ZooModel<>(model, new NoopTranslator(null)), size, null);
        } catch (MalformedModelException e) {
            model.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw new MalformedModelException(what + ": " + e.getMessage(), e);
        }
    }
}
