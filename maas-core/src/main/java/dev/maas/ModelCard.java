package dev.maas;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the repository knows about one published model version: identity, task, engine and format,
 * signature, ownership, metrics, lineage and the SHA-256 of every artifact file.
 *
 * <p>Cards are written once at publish time ({@code model-card.json} beside the artifact) and never
 * change. Instances are immutable and thread-safe; use {@link #builder(String)} or {@link
 * #toBuilder()} to make one.
 *
 * @param name the model name
 * @param version the version assigned at publish ({@code 0} before publishing)
 * @param task what the model does, such as {@code "recommendation"} or {@code "classification"}
 * @param engine the engine that runs it, such as {@code "PyTorch"}; {@code null} to detect
 * @param format the artifact format, such as {@code "torchscript"}; {@code null} to detect
 * @param inputs the input signature; empty when unknown (inputs are then not checked)
 * @param outputs the output signature; empty when unknown
 * @param tags free-form labels used for discovery
 * @param owner the team or person who owns it; may be {@code null}
 * @param description a human description; may be {@code null}
 * @param metrics evaluation metrics, such as {@code rmse}
 * @param createdAt when it was published ({@code null} before publishing)
 * @param artifacts each artifact file's path relative to the version folder, mapped to its
 *     lower-case hex SHA-256
 * @param derivedFrom the model this one was derived from (fine-tuned, compressed); may be {@code
 *     null}
 * @param properties engine options and anything else a producer wants to keep with the model
 */
public record ModelCard(
        String name,
        int version,
        String task,
        String engine,
        String format,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Set<String> tags,
        String owner,
        String description,
        Map<String, Double> metrics,
        Instant createdAt,
        Map<String, String> artifacts,
        ModelRef derivedFrom,
        Map<String, String> properties) {

    /**
     * Validates the name, version and metrics and copies the collections into immutable, sorted
     * ones.
     *
     * @throws IllegalArgumentException if the name is malformed, the version outside 0 to {@link
     *     ModelRef#MAX_VERSION} or a metric not a finite number
     */
    public ModelCard {
        ModelRef.checkName(name, "model name");
        ModelRef.checkVersion(version, 0);
        task = task == null ? "unspecified" : task;
        inputs = List.copyOf(inputs == null ? List.of() : inputs);
        outputs = List.copyOf(outputs == null ? List.of() : outputs);
        tags = java.util.Collections.unmodifiableSet(new TreeSet<>(tags == null ? Set.of() : tags));
        metrics = java.util.Collections.unmodifiableMap(new TreeMap<>(orEmpty(metrics)));
        // Cards are stored as JSON, which has no NaN or infinity.
        metrics.forEach(
                (k, v) -> {
                    if (v == null || !Double.isFinite(v)) {
                        throw new IllegalArgumentException(
                                "metric '" + k + "' must be a finite number, was " + v);
                    }
                });
        artifacts = java.util.Collections.unmodifiableMap(new TreeMap<>(orEmpty(artifacts)));
        properties = java.util.Collections.unmodifiableMap(new TreeMap<>(orEmpty(properties)));
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    /** Returns a reference to exactly this version. */
    public ModelRef ref() {
        if (version == 0) {
            throw new IllegalStateException("card of '" + name + "' has no version yet");
        }
        return ModelRef.of(name, version);
    }

    /** Returns a builder for a card named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Returns a builder that starts from this card's values. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.version = version;
        b.task = task;
        b.engine = engine;
        b.format = format;
        b.inputs = inputs;
        b.outputs = outputs;
        b.tags = new TreeSet<>(tags);
        b.owner = owner;
        b.description = description;
        b.metrics = new LinkedHashMap<>(metrics);
        b.createdAt = createdAt;
        b.artifacts = new LinkedHashMap<>(artifacts);
        b.derivedFrom = derivedFrom;
        b.properties = new LinkedHashMap<>(properties);
        return b;
    }

    /** Builds {@link ModelCard}s. Not thread-safe. */
    public static final class Builder {
        private String name;
        private int version;
        private String task;
        private String engine;
        private String format;
        private List<TensorSpec> inputs = List.of();
        private List<TensorSpec> outputs = List.of();
        private Set<String> tags = new TreeSet<>();
        private String owner;
        private String description;
        private Map<String, Double> metrics = new LinkedHashMap<>();
        private Instant createdAt;
        private Map<String, String> artifacts = new LinkedHashMap<>();
        private ModelRef derivedFrom;
        private Map<String, String> properties = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = ModelRef.checkName(name, "model name");
        }

        /** Sets the name. */
        public Builder name(String name) {
            this.name = ModelRef.checkName(name, "model name");
            return this;
        }

        /** Sets the version. */
        public Builder version(int version) {
            this.version = version;
            return this;
        }

        /** Sets the task. */
        public Builder task(String task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        /** Sets the engine name ({@code PyTorch}, {@code TensorFlow}, {@code OnnxRuntime}). */
        public Builder engine(String engine) {
            this.engine = engine;
            return this;
        }

        /** Sets the artifact format ({@code torchscript}, {@code djl}, ...). */
        public Builder format(String format) {
            this.format = format;
            return this;
        }

        /** Sets the input signature. */
        public Builder inputs(List<TensorSpec> inputs) {
            this.inputs = List.copyOf(inputs);
            return this;
        }

        /** Sets the input signature. */
        public Builder inputs(TensorSpec... inputs) {
            return inputs(List.of(inputs));
        }

        /** Sets the output signature. */
        public Builder outputs(List<TensorSpec> outputs) {
            this.outputs = List.copyOf(outputs);
            return this;
        }

        /** Sets the output signature. */
        public Builder outputs(TensorSpec... outputs) {
            return outputs(List.of(outputs));
        }

        /** Adds tags. */
        public Builder tags(String... tags) {
            for (String t : tags) {
                this.tags.add(Objects.requireNonNull(t, "tag"));
            }
            return this;
        }

        /** Sets the owner. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** Sets the description. */
        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /** Records one metric. */
        public Builder metric(String key, double value) {
            metrics.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        /** Records several metrics. */
        public Builder metrics(Map<String, Double> metrics) {
            this.metrics.putAll(metrics);
            return this;
        }

        /** Sets the publish time. */
        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /** Replaces the artifact checksums. */
        public Builder artifacts(Map<String, String> artifacts) {
            this.artifacts = new LinkedHashMap<>(artifacts);
            return this;
        }

        /** Sets the model this one derives from. */
        public Builder derivedFrom(ModelRef derivedFrom) {
            this.derivedFrom = derivedFrom;
            return this;
        }

        /** Sets one property. */
        public Builder property(String key, String value) {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
            return this;
        }

        /** Sets several properties. */
        public Builder properties(Map<String, String> properties) {
            this.properties.putAll(properties);
            return this;
        }

        /** Returns the card. */
        public ModelCard build() {
            return new ModelCard(
                    name,
                    version,
                    task,
                    engine,
                    format,
                    inputs,
                    outputs,
                    tags,
                    owner,
                    description,
                    metrics,
                    createdAt,
                    artifacts,
                    derivedFrom,
                    properties);
        }
    }
}
