package dev.maas.recommend;

import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Loads published recommenders (format {@value RecommenderArtifact#FORMAT}) into the model store,
 * so that they are cached, shared, reference-counted and evicted like any other model. Registered
 * through {@code META-INF/services/dev.maas.spi.EngineBackend}; users do not call it directly but
 * open a {@link Recommender}.
 *
 * <p>Loading reads plain files (no native engine): factors, item metadata and seen items, and
 * builds the top-K index over the item vectors. Two options, set per model as card properties or
 * service-wide through {@link EngineOptions} (the card wins), choose the index: {@code
 * recommender.precision} ({@code float32}, the default, or {@code int8}: a quarter of the memory,
 * near-identical top lists) and {@code recommender.kernel} ({@code auto}, the default, {@code
 * scalar}, {@code vector} or {@code djl}; see {@link dev.maas.recommend.retrieval.Kernel}).
 * Stateless and thread-safe.
 */
public final class RecommenderBackend implements EngineBackend {
    /** The engine name written into the cards of published recommenders. */
    public static final String ENGINE = "maas-recommend";

    /** The Maven coordinates of this module, named in cards for missing-backend messages. */
    public static final String ARTIFACT = "dev.maas:maas-recommend";

    /** Creates the backend; called by {@link java.util.ServiceLoader}. */
    public RecommenderBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(RecommenderArtifact.FORMAT);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return RecommenderArtifact.looksLike(versionDir)
                ? Optional.of(RecommenderArtifact.FORMAT)
                : Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        String what = "recommender " + card.ref();
        IndexSettings settings;
        try {
            settings = IndexSettings.from(options, card.properties());
        } catch (IllegalArgumentException e) {
            throw new dev.maas.MalformedModelException(what + ": " + e.getMessage(), e);
        }
        RecommenderArtifact.Contents contents = RecommenderArtifact.read(versionDir, what);
        try {
            return new RecommenderModel(card, contents, settings);
        } catch (IllegalArgumentException e) {
            throw new dev.maas.MalformedModelException(what + ": " + e.getMessage(), e);
        }
    }
}
