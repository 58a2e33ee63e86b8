package dev.maas;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
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
 * signature, ownership, metrics, lineage, the SHA-256 of every artifact file, and what the
 * marketplace shows and filters on (licence, data sets, intended use, limitations, an example
 * input, visibility).
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
 * @param license the licence: an SPDX identifier such as {@code Apache-2.0} or free text; may be
 *     {@code null}
 * @param datasets the data sets it was trained or evaluated on, in the order given; empty when not
 *     stated
 * @param intendedUse what it is meant to be used for; may be {@code null}
 * @param limitations its known limitations; may be {@code null}
 * @param inputExample the JSON text of an example input; {@code null} when none, otherwise
 *     well-formed JSON (checked)
 * @param engineVersion the version of the engine it was built with, such as {@code 2.5.1}; may be
 *     {@code null}
 * @param visibility who may see and use it before any grant; {@link Visibility#PUBLIC} when not
 *     given, which is also what cards written before this field read as
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
        Map<String, String> properties,
        String license,
        List<String> datasets,
        String intendedUse,
        String limitations,
        String inputExample,
        String engineVersion,
        Visibility visibility) {

    // Reads one JSON value without touching the reader's strictness, unlike JsonParser.
    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

    /**
     * Validates the name, version, metrics and example input, copies the collections into immutable
     * ones (sorted, except the data sets, which keep their order) and defaults the visibility to
     * {@link Visibility#PUBLIC}.
     *
     * @throws IllegalArgumentException if the name is malformed, the version outside 0 to {@link
     *     ModelRef#MAX_VERSION}, a metric not a finite number or the example input not JSON
     * @throws NullPointerException if a data set is {@code null}
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
        datasets = List.copyOf(datasets == null ? List.of() : datasets);
        if (inputExample != null) {
            checkJson(inputExample, "inputExample");
        }
        visibility = visibility == null ? Visibility.PUBLIC : visibility;
    }

    /**
     * Checks that {@code text} is one well-formed JSON value (RFC 8259: no comments, unquoted
     * strings, {@code NaN} or trailing content).
     */
    private static void checkJson(String text, String what) {
        // A StringReader holds no resource, so the reader is not closed: its position is wanted
        // for the message.
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        try {
            JSON.read(reader);
            if (reader.peek() == JsonToken.END_DOCUMENT) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            // Gson reports malformed text as IOException (MalformedJsonException, EOFException)
            // or as an unchecked JsonParseException, depending on where it stops. Its messages
            // advise switching to lenient parsing, which is no advice for a card's author.
            throw new IllegalArgumentException(notJson(what, reader), e);
        }
        throw new IllegalArgumentException(notJson(what, reader) + " (content after the value)");
    }

    private static String notJson(String what, JsonReader reader) {
        // JsonReader.toString() says where it stopped: "JsonReader at line 1 column 7 path $.a".
        String where = reader.toString();
        int at = where.indexOf(" at line ");
        return what
                + " must be well-formed JSON text (RFC 8259), such as {\"user\": \"u1\"}; it is"
                + " not"
                + (at < 0 ? "" : where.substring(at));
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
        b.license = license;
        b.datasets = datasets;
        b.intendedUse = intendedUse;
        b.limitations = limitations;
        b.inputExample = inputExample;
        b.engineVersion = engineVersion;
        b.visibility = visibility;
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
        private String license;
        private List<String> datasets = List.of();
        private String intendedUse;
        private String limitations;
        private String inputExample;
        private String engineVersion;
        private Visibility visibility = Visibility.PUBLIC;

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

        /** Sets the licence: an SPDX identifier such as {@code Apache-2.0}, or free text. */
        public Builder license(String license) {
            this.license = license;
            return this;
        }

        /**
         * Sets the data sets the model was trained or evaluated on, replacing any set before.
         *
         * @throws NullPointerException if the list or one of its elements is {@code null}
         */
        public Builder datasets(List<String> datasets) {
            this.datasets = List.copyOf(datasets);
            return this;
        }

        /**
         * Sets the data sets the model was trained or evaluated on, replacing any set before.
         *
         * @throws NullPointerException if one of them is {@code null}
         */
        public Builder datasets(String... datasets) {
            return datasets(List.of(datasets));
        }

        /** Sets what the model is meant to be used for. */
        public Builder intendedUse(String intendedUse) {
            this.intendedUse = intendedUse;
            return this;
        }

        /** Sets the model's known limitations. */
        public Builder limitations(String limitations) {
            this.limitations = limitations;
            return this;
        }

        /**
         * Sets the JSON text of an example input, shown to people discovering the model. It is
         * checked when the card is built.
         */
        public Builder inputExample(String inputExample) {
            this.inputExample = inputExample;
            return this;
        }

        /** Sets the version of the engine the model was built with, such as {@code 2.5.1}. */
        public Builder engineVersion(String engineVersion) {
            this.engineVersion = engineVersion;
            return this;
        }

        /**
         * Sets who may see and use the model before any grant (default {@link Visibility#PUBLIC}).
         *
         * @throws NullPointerException if {@code visibility} is {@code null}
         */
        public Builder visibility(Visibility visibility) {
            this.visibility = Objects.requireNonNull(visibility, "visibility");
            return this;
        }

        /**
         * Returns the card.
         *
         * @throws IllegalArgumentException if a value is invalid, as the card's constructor says
         */
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
                    properties,
                    license,
                    datasets,
                    intendedUse,
                    limitations,
                    inputExample,
                    engineVersion,
                    visibility);
        }
    }
}
