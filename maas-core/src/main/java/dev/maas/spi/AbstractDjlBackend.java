package dev.maas.spi;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Base for backends that load through DJL's {@link Criteria}: subclasses name the engine, detect
 * their formats and add engine-specific criteria; this class does the loading, wraps DJL's
 * exceptions into maas ones and sizes the model. Thread-safe if subclasses are.
 */
public abstract class AbstractDjlBackend implements EngineBackend {

    /**
     * Prepares the engine's natives before its first use; called before every load (it must be
     * cheap once done). The default does nothing.
     *
     * @throws EngineUnavailableException if the engine cannot start
     */
    protected void prepareEngine() {}

    /**
     * Adds engine-specific settings (model file name, options, block factory) to the criteria.
     *
     * @param builder criteria with types, path, engine, device and pass-through options set
     */
    protected abstract void configure(
            Criteria.Builder<NDList, NDList> builder,
            ModelCard card,
            Path versionDir,
            EngineOptions options);

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        prepareEngine();
        Engine djlEngine;
        try {
            djlEngine = Engine.getEngine(engine());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new EngineUnavailableException(
                    "engine " + engine() + " could not start: " + e.getMessage(), e);
        }
        Criteria.Builder<NDList, NDList> builder =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(versionDir)
                        .optEngine(djlEngine.getEngineName());
        if (options.device() != null) {
            builder.optDevice(options.device());
        }
        for (Map.Entry<String, String> e : options.options().entrySet()) {
            builder.optOption(e.getKey(), e.getValue());
        }
        configure(builder, card, versionDir, options);
        ZooModel<NDList, NDList> model;
        try {
            model = builder.build().loadModel();
        } catch (ai.djl.MalformedModelException
                | ai.djl.repository.zoo.ModelNotFoundException
                | IOException
                | EngineException e) {
            throw new MalformedModelException(
                    "engine " + engine() + " cannot load " + describe(card) + ": " + e.getMessage(),
                    e);
        }
        return new DjlLoadedModel(card, model, directorySize(versionDir), null);
    }

    /** Returns {@code name:version (format)} for messages. */
    protected static String describe(ModelCard card) {
        return card.name() + ":" + card.version() + " (" + card.format() + ")";
    }

    /** Returns whether {@code dir} directly holds a file whose name ends with {@code suffix}. */
    protected static boolean hasFileEndingWith(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(suffix));
        } catch (IOException e) {
            return false;
        }
    }

    /** Returns the total size of the regular files under {@code dir}. */
    protected static long directorySize(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot size " + dir, e);
        }
    }
}
