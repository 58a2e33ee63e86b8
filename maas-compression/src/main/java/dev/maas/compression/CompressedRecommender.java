package dev.maas.compression;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.DataSummary;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.retrieval.Precision;
import dev.maas.recommend.train.FactorEncoder;
import dev.maas.recommend.train.FactorModel;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A compressed recommender and its {@link CompressionReport}, ready to publish as a new version of
 * the source model or as a new model. The published card records {@code derivedFrom} (the source
 * version), the technique, its settings and the report ({@code compression.*} properties), and the
 * compressed model's own quality metrics. It serves through {@link ModelService} and {@link
 * dev.maas.recommend.Recommender} like any recommender; an int8 version builds the int8 item index
 * ({@code recommender.precision=int8}).
 *
 * <p>Immutable and thread-safe.
 */
public final class CompressedRecommender {
    private final ModelCard source;
    private final FactorModel model;
    private final FactorModel loaded;
    private final FactorEncoder encoder;
    private final Precision serving;
    private final CompressionReport report;
    private final Interactions train;

    CompressedRecommender(
            ModelCard source,
            FactorModel model,
            FactorModel loaded,
            FactorEncoder encoder,
            Precision serving,
            CompressionReport report,
            Interactions train) {
        this.source = source;
        this.model = model;
        this.loaded = loaded;
        this.encoder = encoder;
        this.serving = serving;
        this.report = report;
        this.train = train;
    }

    /** Returns the report. */
    public CompressionReport report() {
        return report;
    }

    /** Returns the compressed model as it loads back from disk (quantized values decoded). */
    public FactorModel model() {
        return loaded;
    }

    /** Returns the card of the source version. */
    public ModelCard source() {
        return source;
    }

    /**
     * Publishes the compressed model as the next version of the source model.
     *
     * @throws dev.maas.RepositoryException if the files cannot be published
     */
    public ModelCard publish(ModelService service) {
        return publishAs(service, source.name());
    }

    /**
     * Publishes the compressed model as the next version of {@code name} (a new model if it has
     * none).
     *
     * @throws IllegalArgumentException if the name is not a valid model name
     * @throws dev.maas.RepositoryException if the files cannot be published
     */
    public ModelCard publishAs(ModelService service, String name) {
        Objects.requireNonNull(service, "service");
        ModelRef.checkName(name, "model name");
        RecommenderPackage.Builder b =
                RecommenderPackage.builder()
                        .model(model)
                        .trainingData(train)
                        .factorEncoder(encoder)
                        .derivedFrom(source.ref())
                        .tags("compressed", report.technique());
        if (source.properties().containsKey("data.users")) {
            b.summary(DataSummary.of(source));
        }
        if (source.description() != null) {
            b.description(source.description() + " (compressed: " + report.technique() + ")");
        }
        if (source.owner() != null) {
            b.owner(source.owner());
        }
        for (Map.Entry<String, String> e : source.properties().entrySet()) {
            String k = e.getKey();
            boolean reserved =
                    List.of("data.", "recommender.", "train.", "maas.", CompressionReport.PREFIX)
                            .stream()
                            .anyMatch(k::startsWith);
            if (!reserved) {
                b.property(k, e.getValue());
            }
        }
        report.toCardProperties().forEach(b::property);
        b.property("recommender.precision", serving.name().toLowerCase(Locale.ROOT));
        for (CompressionReport.Quality q : report.quality()) {
            if (!q.metric().startsWith("top")) {
                b.metric(q.metric(), q.after());
            }
        }
        return b.build().publish(service, name);
    }
}
