package dev.maas.recommend;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.RepositoryException;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;
import dev.maas.spi.EngineBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A trained recommender ready to publish as a maas model (task {@value #TASK}, format {@value
 * RecommenderArtifact#FORMAT}): its factors, the training data's id maps, item metadata and seen
 * items, its evaluation metrics and a summary of its data. The published card holds the metrics and
 * the data summary ({@code data.*} properties), so {@code maas models} and the model marketplace
 * show what a version is and how good it is.
 *
 * <pre>{@code
 * RecommenderPackage pkg = RecommenderPackage.builder()
 *         .model(trained)
 *         .trainingData(split.train())
 *         .summary(summary)
 *         .metrics(report.metrics())
 *         .build();
 * ModelCard card = pkg.publish(maas, "movies");
 * maas.setAlias("movies", "production", card.version());
 * }</pre>
 *
 * <p>A package can also be written to a folder ({@link #writeTo}) and published later from there
 * ({@link #publishFolder}); the folder is self-describing. Immutable and thread-safe.
 */
public final class RecommenderPackage {
    /** The task written into the cards of published recommenders. */
    public static final String TASK = "recommendation";

    /**
     * The card property that says how a version stores its factors: {@code safetensors} (the
     * standard tensor file, written by this version) or {@code f32} (raw float32 files of versions
     * published before). Both load.
     */
    public static final String FACTORS_FORMAT_PROPERTY = "recommender.factors.format";

    private static final String METRIC_PREFIX = "metric.";
    private static final String DERIVED_FROM = "derived-from";
    private static final String PROPERTY_PREFIX = "card.";

    private final RecommenderArtifact.Contents contents;
    private final DataSummary summary;
    private final Map<String, Double> metrics;
    private final String description;
    private final String owner;
    private final Set<String> tags;
    private final Map<String, String> properties;
    private final dev.maas.recommend.train.FactorEncoder encoder;
    private final dev.maas.ModelRef derivedFrom;

    private RecommenderPackage(Builder b, RecommenderArtifact.Contents contents) {
        this.contents = contents;
        this.encoder = b.encoder;
        this.derivedFrom = b.derivedFrom;
        this.summary = b.summary;
        this.metrics = Map.copyOf(b.metrics);
        this.description = b.description;
        this.owner = b.owner;
        this.tags = Set.copyOf(b.tags);
        Map<String, String> props = new LinkedHashMap<>();
        contents.model().properties().forEach((k, v) -> props.put("train." + k, v));
        props.putAll(b.properties);
        this.properties = Map.copyOf(props);
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the data summary. */
    public DataSummary summary() {
        return summary;
    }

    /** Returns the evaluation metrics. */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /**
     * Writes the artifact files into {@code dir} (created if needed; existing files of the same
     * names are replaced) and returns {@code dir}.
     *
     * @throws UncheckedIOException if a file cannot be written
     */
    public Path writeTo(Path dir) {
        Map<String, String> info = new LinkedHashMap<>(summary.toProperties());
        metrics.forEach((k, v) -> info.put(METRIC_PREFIX + k, Double.toString(v)));
        if (description != null) {
            info.put("description", description);
        }
        if (owner != null) {
            info.put("owner", owner);
        }
        if (!tags.isEmpty()) {
            info.put("tags", String.join(",", tags));
        }
        properties.forEach((k, v) -> info.put(PROPERTY_PREFIX + k, v));
        if (derivedFrom != null) {
            info.put(DERIVED_FROM, derivedFrom.toString());
        }
        RecommenderArtifact.write(dir, contents, info, encoder);
        return dir;
    }

    /**
     * Publishes this recommender as a new version of {@code name}.
     *
     * @return the stored card, with its version
     * @throws IllegalArgumentException if the name is not a valid model name
     * @throws RepositoryException if the files cannot be published
     */
    public ModelCard publish(ModelService service, String name) {
        Objects.requireNonNull(service, "service");
        dev.maas.ModelRef.checkName(name, "model name");
        Path tmp;
        try {
            tmp = Files.createTempDirectory("maas-recommender-");
        } catch (IOException e) {
            throw new RepositoryException("cannot create a temporary folder to publish " + name, e);
        }
        try {
            writeTo(tmp);
            return publishFolder(service, name, tmp);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Publishes the recommender written by {@link #writeTo} into {@code dir} as a new version of
     * {@code name}; the card's metrics and data summary come from the folder.
     *
     * @return the stored card, with its version
     * @throws IllegalArgumentException if {@code dir} does not hold a recommender
     * @throws RepositoryException if the files cannot be published
     */
    public static ModelCard publishFolder(ModelService service, String name, Path dir) {
        Objects.requireNonNull(service, "service");
        return service.publish(ModelPackage.of(cardOf(name, dir), dir));
    }

    /**
     * Returns the card that publishing the recommender in {@code dir} as {@code name} would store
     * (without version, time and checksums): task, engine, format, metrics, data summary and
     * properties.
     *
     * @throws IllegalArgumentException if {@code dir} does not hold a recommender or the name is
     *     invalid
     */
    public static ModelCard cardOf(String name, Path dir) {
        if (!RecommenderArtifact.looksLike(dir)) {
            throw new IllegalArgumentException(
                    dir
                            + " does not hold a recommender (expected "
                            + RecommenderArtifact.MANIFEST
                            + " and "
                            + RecommenderArtifact.MODEL_HEADER
                            + ")");
        }
        Properties p = RecommenderArtifact.readManifest(dir);
        ModelCard.Builder card =
                ModelCard.builder(name)
                        .task(TASK)
                        .engine(RecommenderBackend.ENGINE)
                        .format(RecommenderArtifact.FORMAT)
                        .property(EngineBackend.ARTIFACT_PROPERTY, RecommenderBackend.ARTIFACT)
                        .tags(TASK, p.getProperty("kind", "unknown"));
        Map<String, String> props = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key);
            if (key.startsWith(METRIC_PREFIX)) {
                try {
                    card.metric(key.substring(METRIC_PREFIX.length()), Double.parseDouble(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "metric " + key + " in " + dir + " is not a number: " + value);
                }
            } else if (key.startsWith("data.")) {
                props.put(key, value);
            } else if (key.startsWith(PROPERTY_PREFIX)) {
                props.put(key.substring(PROPERTY_PREFIX.length()), value);
            }
        }
        props.put("recommender.kind", p.getProperty("kind", "unknown"));
        props.put(
                FACTORS_FORMAT_PROPERTY, p.getProperty(RecommenderArtifact.FACTORS_FORMAT, "f32"));
        card.properties(props);
        if (p.getProperty("description") != null) {
            card.description(p.getProperty("description"));
        }
        if (p.getProperty("owner") != null) {
            card.owner(p.getProperty("owner"));
        }
        if (p.getProperty(DERIVED_FROM) != null) {
            card.derivedFrom(dev.maas.ModelRef.parse(p.getProperty(DERIVED_FROM)));
        }
        if (p.getProperty("tags") != null) {
            for (String t : p.getProperty("tags").split(",")) {
                if (!t.isBlank()) {
                    card.tags(t.strip());
                }
            }
        }
        return card.build();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary folder is harmless.
        }
    }

    /** Builds {@link RecommenderPackage}s; fails fast on missing or inconsistent parts. */
    public static final class Builder {
        private FactorModel model;
        private Interactions training;
        private DataSummary summary;
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private String description;
        private String owner;
        private final Set<String> tags = new LinkedHashSet<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private dev.maas.recommend.train.FactorEncoder encoder =
                dev.maas.recommend.train.FactorEncoder.FLOAT32;
        private dev.maas.ModelRef derivedFrom;

        private Builder() {}

        /**
         * Sets how the factor tensors are stored; default {@link
         * dev.maas.recommend.train.FactorEncoder#FLOAT32}. Compressed encodings (half precision,
         * 8-bit codes with scales) take fewer bytes and load back as floats.
         */
        public Builder factorEncoder(dev.maas.recommend.train.FactorEncoder encoder) {
            this.encoder = Objects.requireNonNull(encoder, "encoder");
            return this;
        }

        /** Records the model this one was derived from (compressed, fine-tuned) in its card. */
        public Builder derivedFrom(dev.maas.ModelRef source) {
            this.derivedFrom = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Sets the trained model: factors, biases, user and item ids, item metadata. */
        public Builder model(FactorModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /**
         * Sets the data the model was trained on: its user and item ids, item metadata, and the
         * items each user has seen (left out of recommendations by default).
         */
        public Builder trainingData(Interactions train) {
            this.training = Objects.requireNonNull(train, "train");
            return this;
        }

        /** Sets the data summary; default: counts of the training data, split unknown. */
        public Builder summary(DataSummary summary) {
            this.summary = Objects.requireNonNull(summary, "summary");
            return this;
        }

        /**
         * Records evaluation metrics, such as {@code rmse} or {@code ndcg@10}.
         *
         * @throws IllegalArgumentException if a value is not finite
         */
        public Builder metrics(Map<String, Double> metrics) {
            metrics.forEach(this::metric);
            return this;
        }

        /**
         * Records one evaluation metric.
         *
         * @throws IllegalArgumentException if the value is not finite
         */
        public Builder metric(String name, double value) {
            Objects.requireNonNull(name, "name");
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("metric " + name + " is " + value);
            }
            metrics.put(name, value);
            return this;
        }

        /** Sets the card's description. */
        public Builder description(String description) {
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Sets the card's owner. */
        public Builder owner(String owner) {
            this.owner = Objects.requireNonNull(owner, "owner");
            return this;
        }

        /** Adds tags to the card. */
        public Builder tags(String... tags) {
            for (String t : tags) {
                this.tags.add(Objects.requireNonNull(t, "tag"));
            }
            return this;
        }

        /**
         * Adds a property to the card, such as where the data came from, or how to index the model
         * when it loads ({@code recommender.precision}: {@code float32} or {@code int8}; {@code
         * recommender.kernel}: {@code auto}, {@code scalar}, {@code vector} or {@code djl}). The
         * model's own properties (its training configuration) are added as {@code train.*}.
         *
         * @throws IllegalArgumentException if the key is empty or uses a reserved prefix ({@code
         *     data.}, {@code recommender.}, {@code train.}, {@code maas.}) other than for the two
         *     index options
         */
        public Builder property(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            boolean indexOption =
                    key.equals(IndexSettings.PRECISION) || key.equals(IndexSettings.KERNEL);
            for (String reserved : List.of("data.", "recommender.", "train.", "maas.")) {
                if (key.isBlank() || (key.startsWith(reserved) && !indexOption)) {
                    throw new IllegalArgumentException(
                            "property key '"
                                    + key
                                    + "' is empty or starts with reserved '"
                                    + reserved
                                    + "'");
                }
            }
            properties.put(key, value);
            return this;
        }

        /**
         * Returns the package.
         *
         * @throws IllegalStateException if the model or the training data is missing, or they do
         *     not match in size
         */
        public RecommenderPackage build() {
            if (model == null) {
                throw new IllegalStateException("model is not set");
            }
            if (training == null) {
                throw new IllegalStateException("trainingData is not set");
            }
            if (!model.users().equals(training.users())
                    || !model.items().equals(training.items())) {
                throw new IllegalStateException(
                        "the model's ids ("
                                + model.numUsers()
                                + " users, "
                                + model.numItems()
                                + " items) are not those of the training data ("
                                + training.numUsers()
                                + " users, "
                                + training.numItems()
                                + " items)");
            }
            if (summary == null) {
                summary =
                        new DataSummary(
                                "unknown",
                                training.numUsers(),
                                training.numItems(),
                                training.size(),
                                training.size(),
                                0,
                                "none");
            }
            int users = training.numUsers();
            int[] offsets = new int[users + 1];
            int total = 0;
            for (int u = 0; u < users; u++) {
                total += training.distinctItemCount(u);
                offsets[u + 1] = total;
            }
            int[] seen = new int[total];
            for (int u = 0; u < users; u++) {
                int[] items = training.itemsOf(u);
                System.arraycopy(items, 0, seen, offsets[u], items.length);
            }
            return new RecommenderPackage(
                    this, new RecommenderArtifact.Contents(model, offsets, seen));
        }
    }
}
