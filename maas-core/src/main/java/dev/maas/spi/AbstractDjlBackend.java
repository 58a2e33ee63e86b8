package dev.maas.spi;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MaasException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
     * Prepares the engine before a load with {@code options}; engines with process-wide settings
     * (thread pools) apply them here, before the engine first starts. The default calls {@link
     * #prepareEngine()}.
     *
     * @throws EngineUnavailableException if the engine cannot start
     */
    protected void prepareEngine(EngineOptions options) {
        prepareEngine();
    }

    /**
     * Adds engine-specific settings (model file name, options, block factory) to the criteria.
     *
     * @param builder criteria with types, path, engine, device and pass-through options set
     * @throws MalformedModelException if the version's files do not fit the card's format
     */
    protected abstract void configure(
            Criteria.Builder<NDList, NDList> builder,
            ModelCard card,
            Path versionDir,
            EngineOptions options);

    /**
     * Wraps a model DJL has loaded. The default returns a {@link DjlLoadedModel} with DJL's plain
     * {@code NDList} translator; backends that must act around each call (thread-local engine
     * settings) return one with their own translator.
     *
     * @param sizeBytes the size of the version's files
     */
    protected LoadedModel newLoadedModel(
            ModelCard card, ZooModel<NDList, NDList> model, long sizeBytes, EngineOptions options) {
        return new DjlLoadedModel(card, model, sizeBytes, null);
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        prepareEngine(options);
        Engine djlEngine;
        try {
            djlEngine = Engine.getEngine(engine());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new EngineUnavailableException(
                    "engine " + engine() + " could not start: " + e.getMessage(), e);
        }
        Device device = options.device();
        if (device != null && device.isGpu() && device.getDeviceId() >= djlEngine.getGpuCount()) {
            // Engines fail late and obscurely on a device their natives cannot reach.
            int gpus = djlEngine.getGpuCount();
            throw new EngineUnavailableException(
                    "model "
                            + describe(card)
                            + " should run on "
                            + device
                            + ", but engine "
                            + engine()
                            + " sees "
                            + gpus
                            + " GPU"
                            + (gpus == 1 ? "" : "s")
                            + (gpus == 0
                                    ? " (its natives are a CPU build, or no CUDA device and driver"
                                            + " are present; the engine module's documentation"
                                            + " names the GPU natives)"
                                    : ""));
        }
        Criteria.Builder<NDList, NDList> builder =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(versionDir)
                        .optEngine(djlEngine.getEngineName());
        if (device != null) {
            builder.optDevice(device);
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
            throw malformed(card, e);
        } catch (MaasException e) {
            throw e;
        } catch (RuntimeException e) {
            // Engines report unreadable artifacts with assorted runtime exceptions
            // (IllegalArgumentException from DJL's parameter reader, OrtException wrappers...).
            throw malformed(card, e);
        }
        try {
            return newLoadedModel(card, model, directorySize(versionDir), options);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private MalformedModelException malformed(ModelCard card, Exception e) {
        return new MalformedModelException(
                "engine "
                        + engine()
                        + " cannot load model "
                        + describe(card)
                        + ": "
                        + rootMessage(e),
                e);
    }

    /** Returns the message of {@code e}'s innermost cause that has one. */
    private static String rootMessage(Throwable e) {
        String msg = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                msg = t.getMessage();
            }
        }
        return msg == null ? e.getClass().getName() : firstLine(msg);
    }

    private static String firstLine(String msg) {
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    /** Returns {@code name:version (format)} for messages. */
    protected static String describe(ModelCard card) {
        return card.name() + ":" + card.version() + " (" + card.format() + ")";
    }

    /** Returns whether {@code dir} directly holds a file whose name ends with {@code suffix}. */
    protected static boolean hasFileEndingWith(Path dir, String suffix) {
        return !filesEndingWith(dir, suffix).isEmpty();
    }

    /** Returns the regular files directly in {@code dir} whose names end with {@code suffix}. */
    protected static List<Path> filesEndingWith(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Returns the one artifact file of {@code card} that ends with {@code suffix}: the file named
     * by the card property {@code property} when set, otherwise the only such file in the folder.
     *
     * @throws MalformedModelException if there is none, or several and the card names none
     */
    protected static Path findArtifact(
            ModelCard card, Path versionDir, String suffix, String property) {
        String named = card.properties().get(property);
        if (named != null) {
            Path file = versionDir.resolve(dev.maas.ModelPackage.checkRelativePath(named));
            if (!Files.isRegularFile(file)) {
                throw new MalformedModelException(
                        "model "
                                + describe(card)
                                + " names '"
                                + named
                                + "' in its card property '"
                                + property
                                + "', but the version has no such file");
            }
            return file;
        }
        List<Path> found = filesEndingWith(versionDir, suffix);
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new MalformedModelException(
                "model "
                        + describe(card)
                        + (found.isEmpty()
                                ? " has no " + suffix + " file"
                                : " has several "
                                        + suffix
                                        + " files "
                                        + found.stream()
                                                .map(p -> p.getFileName().toString())
                                                .toList()
                                        + "; name one in the card property '"
                                        + property
                                        + "'"));
    }

    /**
     * Returns the name DJL looks a model file up by: its path relative to the version folder, with
     * {@code /} separators and without {@code suffix}.
     */
    protected static String modelName(Path versionDir, Path file, String suffix) {
        String rel = versionDir.relativize(file).toString().replace('\\', '/');
        return rel.endsWith(suffix) ? rel.substring(0, rel.length() - suffix.length()) : rel;
    }

    /**
     * Returns the total size of the regular files under {@code dir}.
     *
     * @throws MalformedModelException if the folder cannot be walked (removed meanwhile,
     *     unreadable)
     */
    protected static long directorySize(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            throw new MalformedModelException("cannot size the files of " + dir + ": " + e, e);
        }
    }
}
