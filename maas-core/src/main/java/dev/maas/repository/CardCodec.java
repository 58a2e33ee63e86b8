package dev.maas.repository;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes {@code model-card.json}: the one text form of a {@link ModelCard}, also for
 * repositories that keep cards elsewhere than in files. Stateless and thread-safe.
 */
public final class CardCodec {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private CardCodec() {}

    /** Returns {@code card} as {@code model-card.json} holds it (pretty-printed JSON). */
    public static String toJson(ModelCard card) {
        JsonObject o = new JsonObject();
        o.addProperty("name", card.name());
        o.addProperty("version", card.version());
        o.addProperty("task", card.task());
        o.addProperty("engine", card.engine());
        o.addProperty("format", card.format());
        o.add("inputs", specs(card.inputs()));
        o.add("outputs", specs(card.outputs()));
        JsonArray tags = new JsonArray();
        card.tags().forEach(tags::add);
        o.add("tags", tags);
        o.addProperty("owner", card.owner());
        o.addProperty("description", card.description());
        JsonObject metrics = new JsonObject();
        card.metrics().forEach(metrics::addProperty);
        o.add("metrics", metrics);
        o.addProperty("createdAt", card.createdAt() == null ? null : card.createdAt().toString());
        o.add("artifacts", strings(card.artifacts()));
        o.addProperty(
                "derivedFrom", card.derivedFrom() == null ? null : card.derivedFrom().toString());
        o.add("properties", strings(card.properties()));
        o.addProperty("license", card.license());
        JsonArray datasets = new JsonArray();
        card.datasets().forEach(datasets::add);
        o.add("datasets", datasets);
        o.addProperty("intendedUse", card.intendedUse());
        o.addProperty("limitations", card.limitations());
        // Kept as a string, so the text reads back exactly as it was written.
        o.addProperty("inputExample", card.inputExample());
        o.addProperty("engineVersion", card.engineVersion());
        o.addProperty("visibility", card.visibility().name().toLowerCase(Locale.ROOT));
        return GSON.toJson(o);
    }

    /**
     * Parses a card. Name and version are required; every other field may be missing (cards written
     * by older versions) and unknown fields are ignored (cards written by newer ones). A missing
     * visibility reads as {@link Visibility#PUBLIC}, what every card was before it had one; an
     * unknown visibility is malformed rather than guessed, so that no card becomes more visible
     * than its writer meant.
     *
     * @throws IllegalArgumentException if the text is not a valid card, saying what is wrong
     */
    public static ModelCard fromJson(String json) {
        try {
            JsonObject o = GSON.fromJson(json, JsonObject.class);
            if (o == null) {
                throw new IllegalArgumentException("empty");
            }
            if (!o.has("name") || !o.has("version")) {
                throw new IllegalArgumentException("'name' and 'version' are required");
            }
            ModelCard.Builder b =
                    ModelCard.builder(o.get("name").getAsString())
                            .version(o.get("version").getAsInt())
                            .engine(string(o, "engine"))
                            .format(string(o, "format"))
                            .inputs(specs(array(o, "inputs")))
                            .outputs(specs(array(o, "outputs")))
                            .owner(string(o, "owner"))
                            .description(string(o, "description"))
                            .artifacts(strings(object(o, "artifacts")))
                            .properties(strings(object(o, "properties")))
                            .license(string(o, "license"))
                            .intendedUse(string(o, "intendedUse"))
                            .limitations(string(o, "limitations"))
                            .inputExample(string(o, "inputExample"))
                            .engineVersion(string(o, "engineVersion"));
            String task = string(o, "task");
            if (task != null) {
                b.task(task);
            }
            for (JsonElement t : array(o, "tags")) {
                b.tags(t.getAsString());
            }
            for (Map.Entry<String, JsonElement> m : object(o, "metrics").entrySet()) {
                b.metric(m.getKey(), m.getValue().getAsDouble());
            }
            String created = string(o, "createdAt");
            b.createdAt(created == null ? null : Instant.parse(created));
            List<String> datasets = new ArrayList<>();
            for (JsonElement d : array(o, "datasets")) {
                datasets.add(d.getAsString());
            }
            b.datasets(datasets);
            String visibility = string(o, "visibility");
            if (visibility != null) {
                b.visibility(visibility(visibility));
            }
            String derived = string(o, "derivedFrom");
            b.derivedFrom(derived == null ? null : ModelRef.parse(derived));
            return b.build();
        } catch (RuntimeException e) {
            // Gson and the value types report bad content with a spread of unchecked exceptions
            // (JsonParseException, IllegalStateException, UnsupportedOperationException,
            // NumberFormatException, DateTimeParseException...): all mean the same here.
            throw new IllegalArgumentException("malformed model card: " + e.getMessage(), e);
        }
    }

    private static Visibility visibility(String text) {
        for (Visibility v : Visibility.values()) {
            if (v.name().equalsIgnoreCase(text)) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "unknown visibility '" + text + "': expected public, restricted or private");
    }

    private static JsonArray array(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? new JsonArray() : e.getAsJsonArray();
    }

    private static JsonObject object(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? new JsonObject() : e.getAsJsonObject();
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static JsonArray specs(List<TensorSpec> specs) {
        JsonArray a = new JsonArray();
        for (TensorSpec s : specs) {
            JsonObject o = new JsonObject();
            o.addProperty("name", s.name());
            o.addProperty("dataType", s.dataType().name().toLowerCase(Locale.ROOT));
            JsonArray shape = new JsonArray();
            for (long d : s.shape().getShape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            a.add(o);
        }
        return a;
    }

    private static List<TensorSpec> specs(JsonArray a) {
        List<TensorSpec> out = new ArrayList<>();
        for (JsonElement e : a) {
            JsonObject o = e.getAsJsonObject();
            JsonArray shape = o.getAsJsonArray("shape");
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).getAsLong();
            }
            out.add(
                    new TensorSpec(
                            o.get("name").getAsString(),
                            DataType.valueOf(
                                    o.get("dataType").getAsString().toUpperCase(Locale.ROOT)),
                            new Shape(dims)));
        }
        return out;
    }

    private static JsonObject strings(Map<String, String> map) {
        JsonObject o = new JsonObject();
        map.forEach(o::addProperty);
        return o;
    }

    private static Map<String, String> strings(JsonObject o) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            map.put(e.getKey(), e.getValue().getAsString());
        }
        return map;
    }
}
