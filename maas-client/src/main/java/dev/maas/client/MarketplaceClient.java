package dev.maas.client;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.maas.AccessDeniedException;
import dev.maas.DeadlineExceededException;
import dev.maas.EngineUnavailableException;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.QuotaExceededException;
import dev.maas.RepositoryException;
import dev.maas.TrafficPolicy;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.audit.AuditAction;
import dev.maas.market.ModelSession;
import dev.maas.repository.CardCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The marketplace and recommendation calls of a maas server ({@code /api/v1}): search, a model's
 * card, versions, aliases, traffic splits, grants, access requests, lineage, usage and audit,
 * publishing a model package, and recommend, similar items and score. Obtained from {@link
 * MaasClient#marketplace()}; every call acts as the client's token's principal (anonymous without
 * one, which sees public models only).
 *
 * <p>Errors come back as the in-process API's exceptions with the server's message: {@link
 * ModelNotFoundException} (404: missing, or not visible to the caller, which the server does not
 * tell apart), {@link AccessDeniedException} (403: visible but not allowed; 401: no or a bad token,
 * the message says to sign in), {@link InvalidInputException} (400 and 413), {@link
 * IllegalStateException} (409: an access request decided already), {@link QuotaExceededException}
 * (429), {@link EngineUnavailableException} (503), {@link DeadlineExceededException} (504) and
 * {@link RepositoryException} for anything else, or when the server cannot be reached.
 *
 * <p>Thread-safe.
 */
public final class MarketplaceClient {
    private static final Gson GSON = new Gson();

    private final MaasClient client;

    MarketplaceClient(MaasClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    // ---- value types ----

    /**
     * Who the server takes the client for.
     *
     * @param id the principal's id ({@code anonymous} without a token)
     * @param teams its teams
     * @param anonymous whether the client sent no token
     */
    public record Identity(String id, List<String> teams, boolean anonymous) {}

    /**
     * One model in search results: its latest card's main facts and the model's usage.
     *
     * @param name the model
     * @param version its latest version
     * @param versions how many versions it has
     * @param task the task
     * @param owner the owner team, or {@code null}
     * @param license the licence, or {@code null}
     * @param engine the engine, or {@code null}
     * @param visibility who may see it
     * @param description the description, or {@code null}
     * @param tags its tags
     * @param metrics the latest card's metrics
     * @param usage calls recorded
     * @param aliases its aliases and their versions
     * @param archived whether it is archived
     */
    public record ModelSummary(
            String name,
            int version,
            int versions,
            String task,
            String owner,
            String license,
            String engine,
            String visibility,
            String description,
            List<String> tags,
            Map<String, Double> metrics,
            long usage,
            Map<String, Integer> aliases,
            boolean archived) {}

    /**
     * One page of search results.
     *
     * @param items the models of the page
     * @param total how many models the search found
     * @param nextPage the token of the next page, or {@code null} after the last
     */
    public record ModelPage(List<ModelSummary> items, int total, String nextPage) {}

    /**
     * One version of a model.
     *
     * @param version the version
     * @param card its card, or {@code null} if it cannot be read
     * @param problem why it cannot be read, or {@code null}
     * @param deprecated the deprecation message, or {@code null}
     */
    public record VersionView(int version, ModelCard card, String problem, String deprecated) {}

    /**
     * A model as the caller sees it.
     *
     * @param name the model
     * @param permission what the caller may do
     * @param archived whether it is archived
     * @param usage calls recorded
     * @param aliases its aliases and their versions
     * @param latest the latest readable card, or {@code null}
     * @param versions its versions, oldest first
     * @param traffic the traffic policy of each alias that has one
     */
    public record ModelView(
            String name,
            Permission permission,
            boolean archived,
            long usage,
            Map<String, Integer> aliases,
            ModelCard latest,
            List<VersionView> versions,
            Map<String, TrafficPolicy> traffic) {}

    /**
     * The calls recorded for a model.
     *
     * @param model the model
     * @param total all calls
     * @param byDay calls per day
     * @param byVersion calls per version
     */
    public record UsageReport(
            String model,
            long total,
            SortedMap<LocalDate, Long> byDay,
            SortedMap<Integer, Long> byVersion) {}

    /**
     * One entry of the audit log.
     *
     * @param sequence its number in the log
     * @param time when it was recorded
     * @param principal who acted
     * @param action what was done
     * @param model the model, or {@code null}
     * @param version the version, or {@code null}
     * @param before the value before, or {@code null}
     * @param after the value after, or {@code null}
     * @param details further facts
     */
    public record AuditRecord(
            long sequence,
            Instant time,
            String principal,
            AuditAction action,
            String model,
            Integer version,
            String before,
            String after,
            Map<String, String> details) {}

    /**
     * One recommended or scored item.
     *
     * @param id the item's id
     * @param title its title
     * @param genres its genres
     * @param score its score (what it means depends on the result's source)
     */
    public record Item(String id, String title, List<String> genres, double score) {}

    /**
     * The result of recommend, similar or score.
     *
     * @param model the exact version that produced it
     * @param source {@code PERSONALIZED}, {@code POPULARITY} (a user the model does not know) or
     *     {@code SIMILAR_ITEMS}
     * @param items the items, best first (in the order asked for by score)
     */
    public record Recommendations(ModelRef model, String source, List<Item> items) {
        /** Returns the items' ids in order. */
        public List<String> ids() {
            return items.stream().map(Item::id).toList();
        }
    }

    /**
     * What to search for; {@code null} fields ask for nothing.
     *
     * @param text free text
     * @param task the task
     * @param owner the owner team
     * @param license the licence
     * @param sort {@code relevance}, {@code newest}, {@code most-used} or {@code best:<metric>}
     * @param size the page size (1 to 200; {@code 0} for the server's default)
     * @param page the token of the page, from {@link ModelPage#nextPage()}
     */
    public record Search(
            String text,
            String task,
            String owner,
            String license,
            String sort,
            int size,
            String page) {
        /** Every model, newest first, the default page size. */
        public static final Search ALL = new Search(null, null, null, null, null, 0, null);

        /** Returns a search for {@code text}. */
        public static Search text(String text) {
            return new Search(text, null, null, null, null, 0, null);
        }

        /** Returns this search for the page {@code token}. */
        public Search page(String token) {
            return new Search(text, task, owner, license, sort, size, token);
        }
    }

    /**
     * Options of a recommend call.
     *
     * @param allowedItems the only items that may come back, or {@code null} for all
     * @param excludedItems items that must not come back
     * @param genres keep items of any of these genres; empty for all
     * @param excludeSeen whether items the user had are left out ({@code null}: the server's
     *     default, yes)
     * @param version a version number or alias; {@code null} for the latest
     */
    public record RecommendOptions(
            Collection<String> allowedItems,
            Collection<String> excludedItems,
            Collection<String> genres,
            Boolean excludeSeen,
            String version) {
        /** No options. */
        public static final RecommendOptions NONE =
                new RecommendOptions(null, List.of(), List.of(), null, null);
    }

    // ---- calls ----

    /** Returns who the server takes this client for. */
    public Identity me() {
        JsonObject o = get("/api/v1/me").getAsJsonObject();
        return new Identity(
                o.get("id").getAsString(),
                strings(o.getAsJsonArray("teams")),
                o.get("anonymous").getAsBoolean());
    }

    /** Searches the models the caller can see. */
    public ModelPage search(Search s) {
        Map<String, String> q = new LinkedHashMap<>();
        put(q, "q", s.text());
        put(q, "task", s.task());
        put(q, "owner", s.owner());
        put(q, "licence", s.license());
        put(q, "sort", s.sort());
        if (s.size() > 0) {
            q.put("size", Integer.toString(s.size()));
        }
        put(q, "page", s.page());
        JsonObject o = get("/api/v1/models" + query(q)).getAsJsonObject();
        List<ModelSummary> items = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("items")) {
            JsonObject m = e.getAsJsonObject();
            items.add(
                    new ModelSummary(
                            m.get("name").getAsString(),
                            m.get("version").getAsInt(),
                            m.get("versions").getAsInt(),
                            string(m, "task"),
                            string(m, "owner"),
                            string(m, "license"),
                            string(m, "engine"),
                            string(m, "visibility"),
                            string(m, "description"),
                            strings(m.getAsJsonArray("tags")),
                            doubles(m.getAsJsonObject("metrics")),
                            m.get("usage").getAsLong(),
                            ints(m.getAsJsonObject("aliases")),
                            m.get("archived").getAsBoolean()));
        }
        return new ModelPage(items, o.get("total").getAsInt(), string(o, "nextPage"));
    }

    /**
     * Returns a model as the caller sees it.
     *
     * @throws ModelNotFoundException if it does not exist or the caller may not see it
     */
    public ModelView model(String name) {
        JsonObject o = get(modelPath(name)).getAsJsonObject();
        JsonElement latest = o.get("latest");
        Map<String, TrafficPolicy> traffic = new TreeMap<>();
        o.getAsJsonObject("traffic")
                .entrySet()
                .forEach(e -> traffic.put(e.getKey(), traffic(e.getValue().getAsJsonObject())));
        return new ModelView(
                o.get("name").getAsString(),
                Permission.valueOf(o.get("permission").getAsString()),
                o.get("archived").getAsBoolean(),
                o.get("usage").getAsLong(),
                ints(o.getAsJsonObject("aliases")),
                latest == null || latest.isJsonNull() ? null : card(latest),
                versions(o.getAsJsonArray("versions")),
                traffic);
    }

    /** Returns a model's versions, oldest first. */
    public List<VersionView> versions(String name) {
        return versions(get(modelPath(name) + "/versions").getAsJsonArray());
    }

    /** Returns a model's aliases and their versions. */
    public Map<String, Integer> aliases(String name) {
        return ints(get(modelPath(name) + "/aliases").getAsJsonObject());
    }

    /**
     * Points {@code alias} at {@code version} (the server loads it first); needs PUBLISH.
     *
     * @return the aliases afterwards
     */
    public Map<String, Integer> moveAlias(String name, String alias, int version) {
        JsonObject body = new JsonObject();
        body.addProperty("version", version);
        return ints(
                send("PUT", modelPath(name) + "/aliases/" + segment(alias), json(body))
                        .getAsJsonObject());
    }

    /** Removes an alias; needs PUBLISH. */
    public Map<String, Integer> removeAlias(String name, String alias) {
        return ints(
                send("DELETE", modelPath(name) + "/aliases/" + segment(alias), none())
                        .getAsJsonObject());
    }

    /** Returns the traffic policy of each alias of a model that has one. */
    public Map<String, TrafficPolicy> traffic(String name) {
        Map<String, TrafficPolicy> out = new TreeMap<>();
        get(modelPath(name) + "/traffic")
                .getAsJsonObject()
                .entrySet()
                .forEach(e -> out.put(e.getKey(), traffic(e.getValue().getAsJsonObject())));
        return out;
    }

    /** Splits the calls through {@code alias} over versions by weight; needs PUBLISH. */
    public Map<String, TrafficPolicy> splitTraffic(
            String name, String alias, Map<Integer, Double> weights) {
        JsonObject w = new JsonObject();
        weights.forEach((v, x) -> w.addProperty(Integer.toString(v), x));
        JsonObject body = new JsonObject();
        body.add("weights", w);
        send("PUT", modelPath(name) + "/traffic/" + segment(alias), json(body));
        return traffic(name);
    }

    /** Ends the traffic split of {@code alias}; needs PUBLISH. */
    public void clearTraffic(String name, String alias) {
        send("DELETE", modelPath(name) + "/traffic/" + segment(alias), none());
    }

    /** Returns the grants on a model; needs a token. */
    public List<Grant> grants(String name) {
        List<Grant> out = new ArrayList<>();
        for (JsonElement e : get(modelPath(name) + "/grants").getAsJsonArray()) {
            out.add(grant(e.getAsJsonObject()));
        }
        return out;
    }

    /** Grants {@code permission} with {@code quota}; needs ADMIN. */
    public Grant grant(String name, Grantee grantee, Permission permission, Quota quota) {
        JsonObject body = new JsonObject();
        body.addProperty("grantee", grantee.toString());
        body.addProperty("permission", permission.name());
        body.add("quota", quota(quota));
        return grant(send("PUT", modelPath(name) + "/grants", json(body)).getAsJsonObject());
    }

    /** Revokes the grant of {@code grantee}; needs ADMIN. */
    public void revoke(String name, Grantee grantee) {
        send("DELETE", modelPath(name) + "/grants/" + segment(grantee.toString()), none());
    }

    /**
     * Asks for {@code permission} on a model, for the caller ({@code forWhom} {@code null}) or one
     * of its teams.
     */
    public AccessRequest requestAccess(
            String name, Grantee forWhom, Permission permission, String reason) {
        JsonObject body = new JsonObject();
        if (forWhom != null) {
            body.addProperty("grantee", forWhom.toString());
        }
        body.addProperty("permission", permission.name());
        body.addProperty("reason", reason);
        return request(
                send("POST", modelPath(name) + "/access-requests", json(body)).getAsJsonObject());
    }

    /** Returns the access requests the caller made or may decide, oldest first. */
    public List<AccessRequest> accessRequests() {
        List<AccessRequest> out = new ArrayList<>();
        for (JsonElement e : get("/api/v1/access-requests").getAsJsonArray()) {
            out.add(request(e.getAsJsonObject()));
        }
        return out;
    }

    /** Approves a pending request, granting it with {@code quota}; needs ADMIN on its model. */
    public Grant approve(String requestId, Quota quota, String note) {
        JsonObject body = new JsonObject();
        body.add("quota", quota(quota));
        if (note != null) {
            body.addProperty("note", note);
        }
        return grant(
                send(
                                "POST",
                                "/api/v1/access-requests/" + segment(requestId) + "/approve",
                                json(body))
                        .getAsJsonObject());
    }

    /** Denies a pending request; needs ADMIN on its model. */
    public void deny(String requestId, String note) {
        JsonObject body = new JsonObject();
        if (note != null) {
            body.addProperty("note", note);
        }
        send("POST", "/api/v1/access-requests/" + segment(requestId) + "/deny", json(body));
    }

    /** Returns what a model derives from and what derives from it, as far as the caller sees. */
    public ModelSession.LineageView lineage(String name) {
        JsonObject o = get(modelPath(name) + "/lineage").getAsJsonObject();
        List<ModelRef> ancestors =
                strings(o.getAsJsonArray("ancestors")).stream().map(ModelRef::parse).toList();
        return new ModelSession.LineageView(
                o.get("model").getAsString(),
                ancestors,
                new LinkedHashSet<>(strings(o.getAsJsonArray("descendants"))));
    }

    /** Returns the calls recorded for a model. */
    public UsageReport usage(String name) {
        JsonObject o = get(modelPath(name) + "/usage").getAsJsonObject();
        SortedMap<LocalDate, Long> byDay = new TreeMap<>();
        for (JsonElement e : o.getAsJsonArray("byDay")) {
            JsonObject d = e.getAsJsonObject();
            byDay.put(LocalDate.parse(d.get("day").getAsString()), d.get("count").getAsLong());
        }
        SortedMap<Integer, Long> byVersion = new TreeMap<>();
        o.getAsJsonObject("byVersion")
                .entrySet()
                .forEach(
                        e -> byVersion.put(Integer.parseInt(e.getKey()), e.getValue().getAsLong()));
        return new UsageReport(
                o.get("model").getAsString(), o.get("total").getAsLong(), byDay, byVersion);
    }

    /** Returns the latest audit entries of a model (at most {@code limit}, 1 to 1000). */
    public List<AuditRecord> audit(String name, int limit) {
        return audit(get(modelPath(name) + "/audit" + query(Map.of("limit", "" + limit))));
    }

    /**
     * Returns the latest audit entries of what {@code principal} did, on models the caller sees.
     */
    public List<AuditRecord> auditOf(String principal, int limit) {
        return audit(
                get(
                        "/api/v1/audit"
                                + query(
                                        Map.of(
                                                "principal",
                                                principal,
                                                "limit",
                                                Integer.toString(limit)))));
    }

    /**
     * Publishes a model package: a zip, tar or tar.gz of the model folder, with {@code
     * model-card.json} beside the files (or a recommender folder, whose card comes from its
     * manifest).
     *
     * @return the stored card, with its version
     */
    public ModelCard publish(String name, Path archive) {
        try {
            return publish(name, Files.readAllBytes(archive));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + archive, e);
        }
    }

    /** Publishes a model package given as bytes; see {@link #publish(String, Path)}. */
    public ModelCard publish(String name, byte[] archive) {
        return card(
                send(
                        "POST",
                        modelPath(name) + "/versions",
                        new Body(
                                HttpRequest.BodyPublishers.ofByteArray(archive),
                                "application/octet-stream")));
    }

    /** Returns the {@code k} best items for {@code user}. */
    public Recommendations recommend(String name, String user, int k) {
        return recommend(name, user, k, RecommendOptions.NONE);
    }

    /** Returns up to {@code k} best items for {@code user} that pass {@code options}. */
    public Recommendations recommend(String name, String user, int k, RecommendOptions options) {
        JsonObject body = new JsonObject();
        body.addProperty("user", user);
        body.addProperty("k", k);
        if (options.allowedItems() != null) {
            body.add("allowed", GSON.toJsonTree(List.copyOf(options.allowedItems())));
        }
        body.add("exclude", GSON.toJsonTree(List.copyOf(options.excludedItems())));
        body.add("genre", GSON.toJsonTree(List.copyOf(options.genres())));
        if (options.excludeSeen() != null) {
            body.addProperty("excludeSeen", options.excludeSeen());
        }
        if (options.version() != null) {
            body.addProperty("version", options.version());
        }
        return recommendations(send("POST", modelPath(name) + "/recommend", json(body)));
    }

    /** Returns the {@code k} items most similar to {@code item}. */
    public Recommendations similar(String name, String item, int k) {
        return recommendations(
                get(
                        modelPath(name)
                                + "/similar"
                                + query(Map.of("item", item, "k", Integer.toString(k)))));
    }

    /** Returns the scores of {@code items} for {@code user}, in the order given. */
    public Recommendations score(String name, String user, List<String> items) {
        JsonObject body = new JsonObject();
        body.addProperty("user", user);
        body.add("items", GSON.toJsonTree(List.copyOf(items)));
        return recommendations(send("POST", modelPath(name) + "/score", json(body)));
    }

    // ---- HTTP ----

    private record Body(HttpRequest.BodyPublisher publisher, String contentType) {}

    private static Body json(JsonElement e) {
        return new Body(
                HttpRequest.BodyPublishers.ofString(GSON.toJson(e), StandardCharsets.UTF_8),
                "application/json");
    }

    private static Body none() {
        return new Body(HttpRequest.BodyPublishers.noBody(), null);
    }

    private JsonElement get(String path) {
        return send("GET", path, none());
    }

    private JsonElement send(String method, String path, Body body) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(client.uri(path))
                        .timeout(client.timeout())
                        .method(method, body.publisher())
                        .header("Accept", "application/json");
        if (body.contentType() != null) {
            b.header("Content-Type", body.contentType());
        }
        if (client.token() != null) {
            b.header("Authorization", "Bearer " + client.token());
        }
        HttpResponse<String> res;
        try {
            res = client.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot reach the maas server at " + client.baseUri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryException("interrupted while calling " + path, e);
        }
        JsonElement parsed;
        try {
            parsed = res.body().isEmpty() ? new JsonObject() : JsonParser.parseString(res.body());
        } catch (JsonParseException e) {
            throw new RepositoryException(
                    "the server answered " + res.statusCode() + " with a body that is not JSON", e);
        }
        if (res.statusCode() / 100 == 2) {
            return parsed;
        }
        String message =
                parsed.isJsonObject() && parsed.getAsJsonObject().has("error")
                        ? parsed.getAsJsonObject().get("error").getAsString()
                        : "HTTP " + res.statusCode();
        throw error(res.statusCode(), message);
    }

    /** The in-process exception for an error status. */
    static RuntimeException error(int status, String message) {
        return switch (status) {
            case 400, 413 -> new InvalidInputException(message);
            case 401 -> new AccessDeniedException("not signed in: " + message);
            case 403 -> new AccessDeniedException(message);
            case 404 -> new ModelNotFoundException(message);
            case 409 -> new IllegalStateException(message);
            case 429 -> new QuotaExceededException(message);
            case 503 -> new EngineUnavailableException(message);
            case 504 -> new DeadlineExceededException(message);
            default -> new RepositoryException("the server answered " + status + ": " + message);
        };
    }

    private static String modelPath(String name) {
        return "/api/v1/models/" + segment(name);
    }

    /** Percent-encodes one path segment. */
    static String segment(String s) {
        return URLEncoder.encode(Objects.requireNonNull(s, "path segment"), StandardCharsets.UTF_8)
                .replace("+", "%20");
    }

    private static String query(Map<String, String> params) {
        if (params.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("?");
        params.forEach(
                (k, v) -> {
                    if (b.length() > 1) {
                        b.append('&');
                    }
                    b.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
                });
        return b.toString();
    }

    private static void put(Map<String, String> q, String key, String value) {
        if (value != null && !value.isBlank()) {
            q.put(key, value);
        }
    }

    // ---- decoding ----

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        if (a != null) {
            a.forEach(e -> out.add(e.getAsString()));
        }
        return List.copyOf(out);
    }

    private static Map<String, Double> doubles(JsonObject o) {
        Map<String, Double> out = new TreeMap<>();
        o.entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsDouble()));
        return out;
    }

    private static Map<String, Integer> ints(JsonObject o) {
        Map<String, Integer> out = new TreeMap<>();
        o.entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsInt()));
        return out;
    }

    private static ModelCard card(JsonElement e) {
        return CardCodec.fromJson(GSON.toJson(e));
    }

    private static List<VersionView> versions(JsonArray a) {
        List<VersionView> out = new ArrayList<>();
        for (JsonElement e : a) {
            JsonObject v = e.getAsJsonObject();
            JsonElement c = v.get("card");
            out.add(
                    new VersionView(
                            v.get("version").getAsInt(),
                            c == null || c.isJsonNull() ? null : card(c),
                            string(v, "problem"),
                            string(v, "deprecated")));
        }
        return out;
    }

    private static TrafficPolicy traffic(JsonObject o) {
        Map<Integer, Double> weights = new TreeMap<>();
        o.getAsJsonObject("weights")
                .entrySet()
                .forEach(
                        e -> weights.put(Integer.parseInt(e.getKey()), e.getValue().getAsDouble()));
        return new TrafficPolicy(
                weights, o.get("shadowVersion").getAsInt(), o.get("shadowFraction").getAsDouble());
    }

    private static Grantee grantee(String text) {
        return text.startsWith("team:")
                ? Grantee.team(text.substring(5))
                : Grantee.principal(text.substring(text.indexOf(':') + 1));
    }

    private static JsonObject quota(Quota q) {
        JsonObject o = new JsonObject();
        Quota v = q == null ? Quota.NONE : q;
        o.addProperty("maxInFlight", v.maxInFlight());
        o.addProperty("callsPerSecond", v.callsPerSecond());
        return o;
    }

    private static Grant grant(JsonObject o) {
        JsonObject q = o.getAsJsonObject("quota");
        return new Grant(
                o.get("model").getAsString(),
                grantee(o.get("grantee").getAsString()),
                Permission.valueOf(o.get("permission").getAsString()),
                new Quota(q.get("maxInFlight").getAsInt(), q.get("callsPerSecond").getAsDouble()),
                o.get("grantedBy").getAsString(),
                Instant.parse(o.get("grantedAt").getAsString()));
    }

    private static AccessRequest request(JsonObject o) {
        String decidedAt = string(o, "decidedAt");
        return new AccessRequest(
                o.get("id").getAsString(),
                o.get("model").getAsString(),
                grantee(o.get("grantee").getAsString()),
                o.get("requestedBy").getAsString(),
                Permission.valueOf(o.get("permission").getAsString()),
                o.get("reason").getAsString(),
                AccessRequest.State.valueOf(o.get("state").getAsString()),
                Instant.parse(o.get("requestedAt").getAsString()),
                string(o, "decidedBy"),
                decidedAt == null ? null : Instant.parse(decidedAt),
                string(o, "note"));
    }

    private static List<AuditRecord> audit(JsonElement e) {
        List<AuditRecord> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            JsonObject o = x.getAsJsonObject();
            Map<String, String> details = new TreeMap<>();
            o.getAsJsonObject("details")
                    .entrySet()
                    .forEach(d -> details.put(d.getKey(), d.getValue().getAsString()));
            JsonElement version = o.get("version");
            out.add(
                    new AuditRecord(
                            o.get("sequence").getAsLong(),
                            Instant.parse(o.get("time").getAsString()),
                            o.get("principal").getAsString(),
                            AuditAction.valueOf(o.get("action").getAsString()),
                            string(o, "model"),
                            version == null || version.isJsonNull() ? null : version.getAsInt(),
                            string(o, "before"),
                            string(o, "after"),
                            details));
        }
        return out;
    }

    private static Recommendations recommendations(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        List<Item> items = new ArrayList<>();
        for (JsonElement x : o.getAsJsonArray("items")) {
            JsonObject i = x.getAsJsonObject();
            items.add(
                    new Item(
                            i.get("id").getAsString(),
                            string(i, "title"),
                            strings(i.getAsJsonArray("genres")),
                            i.get("score").getAsDouble()));
        }
        return new Recommendations(
                ModelRef.parse(o.get("model").getAsString()),
                o.get("source").getAsString(),
                List.copyOf(items));
    }
}
