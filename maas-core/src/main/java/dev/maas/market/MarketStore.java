package dev.maas.market;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.maas.RepositoryException;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.catalog.UsageRow;
import dev.maas.repository.ModelRepository;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The marketplace's documents in the repository: grants, lifecycle and usage per model, access
 * requests for the whole store; each read and updated as JSON, atomically. Thread-safe.
 */
final class MarketStore {
    private static final String GRANTS = "grants";
    private static final String LIFECYCLE = "lifecycle";
    private static final String USAGE = "usage";
    private static final String REQUESTS = "access-requests";

    private static final Gson GSON =
            new GsonBuilder()
                    .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
                    .registerTypeAdapter(LocalDate.class, new DateAdapter().nullSafe())
                    .setPrettyPrinting()
                    .create();

    private static final Type GRANT_LIST = new TypeToken<List<Grant>>() {}.getType();
    private static final Type REQUEST_LIST = new TypeToken<List<AccessRequest>>() {}.getType();
    private static final Type USAGE_LIST = new TypeToken<List<UsageRow>>() {}.getType();

    private final ModelRepository repository;

    MarketStore(ModelRepository repository) {
        this.repository = repository;
    }

    List<Grant> grants(String model) {
        return parseList(repository.modelDocument(model, GRANTS), GRANT_LIST, model, GRANTS);
    }

    /** Replaces the grant of {@code grantee} ({@code null} removes it); returns the one before. */
    Grant putGrant(String model, Grantee grantee, Grant grant) {
        Grant[] before = new Grant[1];
        repository.updateModelDocument(
                model,
                GRANTS,
                json -> {
                    List<Grant> grants =
                            new ArrayList<>(parseList(json, GRANT_LIST, model, GRANTS));
                    for (int i = 0; i < grants.size(); i++) {
                        if (grants.get(i).grantee().equals(grantee)) {
                            before[0] = grants.remove(i);
                            break;
                        }
                    }
                    if (grant != null) {
                        grants.add(grant);
                    }
                    return GSON.toJson(grants, GRANT_LIST);
                });
        return before[0];
    }

    Lifecycle lifecycle(String model) {
        String json = repository.modelDocument(model, LIFECYCLE);
        return json == null ? Lifecycle.ACTIVE : parse(json, Lifecycle.class, model, LIFECYCLE);
    }

    /** Applies {@code change} to the lifecycle; returns {before, after}. */
    Lifecycle[] updateLifecycle(String model, UnaryOperator<Lifecycle> change) {
        Lifecycle[] out = new Lifecycle[2];
        repository.updateModelDocument(
                model,
                LIFECYCLE,
                json -> {
                    out[0] =
                            json == null
                                    ? Lifecycle.ACTIVE
                                    : parse(json, Lifecycle.class, model, LIFECYCLE);
                    out[1] = change.apply(out[0]);
                    return GSON.toJson(out[1]);
                });
        return out;
    }

    List<AccessRequest> requests() {
        return parseList(repository.document(REQUESTS), REQUEST_LIST, null, REQUESTS);
    }

    /** Applies {@code change} to the list of access requests, atomically. */
    void updateRequests(UnaryOperator<List<AccessRequest>> change) {
        repository.updateDocument(
                REQUESTS,
                json ->
                        GSON.toJson(
                                change.apply(
                                        new ArrayList<>(
                                                parseList(json, REQUEST_LIST, null, REQUESTS))),
                                REQUEST_LIST));
    }

    /** Returns the usage persisted for a model. */
    List<UsageRow> usage(String model) {
        return parseList(repository.modelDocument(model, USAGE), USAGE_LIST, model, USAGE);
    }

    /** Adds {@code rows} of one model to its persisted usage, atomically. */
    void addUsage(String model, List<UsageRow> rows) {
        repository.updateModelDocument(
                model,
                USAGE,
                json -> {
                    Map<String, UsageRow> merged = new TreeMap<>();
                    List<UsageRow> stored = parseList(json, USAGE_LIST, model, USAGE);
                    for (UsageRow r : stored) {
                        merged.merge(key(r), r, MarketStore::sum);
                    }
                    for (UsageRow r : rows) {
                        merged.merge(key(r), r, MarketStore::sum);
                    }
                    return GSON.toJson(new ArrayList<>(merged.values()), USAGE_LIST);
                });
    }

    private static String key(UsageRow r) {
        return r.day() + "/" + r.version() + "/" + r.principal();
    }

    private static UsageRow sum(UsageRow a, UsageRow b) {
        return new UsageRow(a.model(), a.version(), a.principal(), a.day(), a.count() + b.count());
    }

    private static <T> List<T> parseList(String json, Type type, String model, String kind) {
        if (json == null) {
            return List.of();
        }
        List<T> list = parse(json, type, model, kind);
        return list == null ? List.of() : List.copyOf(list);
    }

    private static <T> T parse(String json, Type type, String model, String kind) {
        try {
            return GSON.fromJson(json, type);
        } catch (JsonParseException | IllegalArgumentException | NullPointerException e) {
            throw new RepositoryException(
                    "corrupt "
                            + kind
                            + " document"
                            + (model == null ? "" : " of model '" + model + "'")
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Instants as ISO-8601 text. */
    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            return Instant.parse(in.nextString());
        }
    }

    /** Dates as ISO-8601 text. */
    private static final class DateAdapter extends TypeAdapter<LocalDate> {
        @Override
        public void write(JsonWriter out, LocalDate value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public LocalDate read(JsonReader in) throws IOException {
            return LocalDate.parse(in.nextString());
        }
    }
}
