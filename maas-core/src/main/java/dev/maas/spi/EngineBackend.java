package dev.maas.spi;

import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * An engine that can load model artifacts, discovered with {@link java.util.ServiceLoader}: an
 * engine module lists its implementation in {@code META-INF/services/dev.maas.spi.EngineBackend}.
 * Core never names an engine; adding the module's jar to the class path is all it takes to enable
 * one.
 *
 * <p>Implementations must be thread-safe and have a public no-argument constructor. {@link #load}
 * may be called concurrently for different models.
 */
public interface EngineBackend {
    /** Returns the engine's name as used in model cards, such as {@code "PyTorch"}. */
    String engine();

    /** Returns the artifact formats this backend loads, such as {@code "torchscript"}. */
    Set<String> formats();

    /**
     * Looks at the files of a model version and returns the format found, if this backend can load
     * it. Called only when the card names no format.
     */
    Optional<String> detectFormat(Path versionDir);

    /**
     * Loads a model version; the caller owns the result and closes it.
     *
     * @param card the model's card, with its format filled in
     * @param versionDir the folder holding the verified artifact files
     * @param options engine options merged with the card's properties
     * @throws dev.maas.MalformedModelException if the artifact cannot be loaded
     * @throws dev.maas.EngineUnavailableException if the engine's natives cannot start or cannot
     *     reach the device asked for
     */
    LoadedModel load(ModelCard card, Path versionDir, EngineOptions options);

    /**
     * The card property naming the Maven coordinates of the module that loads a model, for backends
     * that do not follow the {@code dev.maas:maas-engine-<engine>} convention (such as {@code
     * dev.maas:maas-recommend}). Shown when no backend on the class path fits the card.
     */
    String ARTIFACT_PROPERTY = "maas.artifact";

    /**
     * Returns the Maven coordinates of the module that loads {@code card}: its {@link
     * #ARTIFACT_PROPERTY} when set, else {@link #artifactFor(String)} of its engine, else {@code
     * dev.maas:maas-engine-<engine>}.
     */
    static String artifactFor(dev.maas.ModelCard card) {
        String artifact = card.properties().get(ARTIFACT_PROPERTY);
        if (artifact != null && !artifact.isBlank()) {
            return artifact;
        }
        return card.engine() != null ? artifactFor(card.engine()) : "dev.maas:maas-engine-<engine>";
    }

    /** Returns the Maven coordinates of the module that provides engine {@code engine}. */
    static String artifactFor(String engine) {
        return "dev.maas:maas-engine-" + engine.toLowerCase(java.util.Locale.ROOT);
    }
}
