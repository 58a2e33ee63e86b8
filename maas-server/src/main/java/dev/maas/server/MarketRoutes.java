package dev.maas.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.maas.AccessDeniedException;
import dev.maas.DeadlineExceededException;
import dev.maas.EngineUnavailableException;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.OverloadedException;
import dev.maas.QuotaExceededException;
import dev.maas.Visibility;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.access.UnknownPrincipalException;
import dev.maas.audit.AuditEntry;
import dev.maas.catalog.Catalog;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogQuery;
import dev.maas.catalog.UsageRow;
import dev.maas.market.ModelListing;
import dev.maas.market.ModelSession;
import dev.maas.recommend.RecommendOptions;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.repository.CardCodec;
import dev.maas.repository.ListedVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recommendation and marketplace routes under {@code /api/v1}: search, a model's card,
 * versions, aliases, traffic, grants, access requests, lineage, usage and audit; publishing a model
 * package; and recommend, similar items and score for recommenders. Every route acts as the caller
 * through a {@link ModelSession}, so the marketplace's rules decide what it may see and do.
 *
 * <p><b>Who sees what.</b> A model the caller may not see and a model that does not exist give the
 * same answer: 404 with {@code {"error": "model 'NAME' not found"}}. A caller without a token (the
 * anonymous principal) sees only {@code PUBLIC} models and changes nothing (401). A caller who sees
 * a model but lacks the right for an operation gets 403 naming the permission it needs: it already
 * knows the model exists, so this hides nothing.
 *
 * <p>Errors are JSON {@code {"error": "..."}}: 400 for bad input (naming what was wrong and what
 * was expected), 401, 403, 404, 409 for a decided access request, 413 for a body over a limit, 429
 * over a quota, 503 and 504. The handlers are plain functions of an {@link ApiRequest}; {@link
 * #register} puts them in the server's route table.
 *
 * <p>Thread-safe.
 */
final class MarketRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(MarketRoutes.class);

    /** The path all these routes live under. */
    static final String PREFIX = "/api/v1";

    /** The most items one recommend, similar or score call returns. */
    static final int MAX_K = 1000;

    /** The largest JSON body accepted. */
    static final int MAX_JSON_BYTES = 1 << 20;

    /** The most audit entries one call returns (the latest). */
    static final int MAX_AUDIT = 1000;

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

    /** A route's work. */
    @FunctionalInterface
    interface Handler {
        ApiResponse handle(ApiRequest request) throws IOException;
    }

    /** How many times the request body limit the files of an upload may unpack to. */
    static final int UNPACK_FACTOR = 16;

    /** The most entries (files and folders) an uploaded package may hold. */
    static final int MAX_ENTRIES = 10_000;

    private final ModelService maas;
    private final ModelUpload.Limits uploadLimits;

    /** Recommenders opened per caller and reference: opening one loads and counts a call. */
    private final Cache<String, Recommender> recommenders =
            Caffeine.newBuilder()
                    .maximumSize(10_000)
                    .expireAfterAccess(Duration.ofMinutes(10))
                    .build();

    MarketRoutes(ModelService maas, ModelUpload.Limits uploadLimits) {
        this.maas = Objects.requireNonNull(maas, "maas");
        this.uploadLimits = Objects.requireNonNull(uploadLimits, "uploadLimits");
    }

    /**
     * Adds the marketplace routes to {@code routes}. An upload may be as large as the server's
     * request body limit and unpack to {@value #UNPACK_FACTOR} times that.
     */
    static void register(Routes routes, ServerContext context) {
        long body = context.maxRequestBytes();
        long unpacked =
                body > Long.MAX_VALUE / UNPACK_FACTOR ? Long.MAX_VALUE : body * UNPACK_FACTOR;
        new MarketRoutes(context.maas(), new ModelUpload.Limits(body, unpacked, MAX_ENTRIES))
                .addTo(routes);
    }

    void addTo(Routes routes) {
        String m = PREFIX + "/models/{name}";
        add(routes, "GET", PREFIX + "/me", this::me);
        add(routes, "GET", PREFIX + "/models", this::search);
        add(routes, "GET", m, this::show);
        add(routes, "GET", m + "/versions", this::versions);
        add(routes, "POST", m + "/versions", this::publish);
        add(routes, "GET", m + "/aliases", this::aliases);
        add(routes, "PUT", m + "/aliases/{alias}", this::moveAlias);
        add(routes, "DELETE", m + "/aliases/{alias}", this::removeAlias);
        add(routes, "GET", m + "/traffic", this::traffic);
        add(routes, "PUT", m + "/traffic/{alias}", this::setTraffic);
        add(routes, "DELETE", m + "/traffic/{alias}", this::clearTraffic);
        add(routes, "GET", m + "/grants", this::grants);
        add(routes, "PUT", m + "/grants", this::grant);
        add(routes, "DELETE", m + "/grants/{grantee}", this::revoke);
        add(routes, "GET", m + "/access-requests", this::modelRequests);
        add(routes, "POST", m + "/access-requests", this::requestAccess);
        add(routes, "GET", PREFIX + "/access-requests", this::requests);
        add(routes, "POST", PREFIX + "/access-requests/{id}/approve", this::approve);
        add(routes, "POST", PREFIX + "/access-requests/{id}/deny", this::deny);
        add(routes, "GET", m + "/lineage", this::lineage);
        add(routes, "GET", m + "/usage", this::usage);
        add(routes, "GET", m + "/audit", this::modelAudit);
        add(routes, "GET", PREFIX + "/audit", this::audit);
        add(routes, "GET", m + "/recommend", this::recommend);
        add(routes, "POST", m + "/recommend", this::recommend);
        add(routes, "GET", m + "/similar", this::similar);
        add(routes, "GET", m + "/score", this::score);
        add(routes, "POST", m + "/score", this::score);
    }

    private static void add(Routes routes, String method, String pattern, Handler handler) {
        routes.add(method, pattern, ex -> serve(handler, ex));
    }

    /**
     * Runs a handler for an exchange: an unknown or revoked token ends here with the server's own
     * 401; everything else the handler throws becomes {@code {"error": ...}} with its status.
     */
    static void serve(Handler handler, Exchange ex) {
        dev.maas.access.Principal p = ex.principal();
        ApiRequest request =
                new ApiRequest(
                        ex.method(),
                        p,
                        Authenticator.isAnonymous(p),
                        ex::param,
                        ex::queryAll,
                        () -> new java.io.ByteArrayInputStream(ex.body()));
        ApiResponse response;
        try {
            response = handler.handle(request);
        } catch (Exception e) {
            response = error(e);
            if (response.status() == 401) {
                ex.responseHeader("WWW-Authenticate", "Bearer");
            }
        }
        ex.json(response.status(), response.body());
    }

    /** The answer for an exception: its status and message. */
    static ApiResponse error(Throwable e) {
        int status = status(e);
        String message = e.getMessage();
        if (status == 500) {
            LOG.warn("marketplace route failed", e);
            message = "internal error: " + e.getClass().getSimpleName();
        } else if (message == null) {
            message = e.getClass().getSimpleName();
        }
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return new ApiResponse(status, o);
    }

    /** The HTTP status an exception stands for. */
    static int status(Throwable e) {
        if (e instanceof ApiException a) {
            return a.status();
        }
        if (e instanceof OipException o) {
            return o.kind().httpStatus();
        }
        if (e instanceof ModelNotFoundException) {
            return 404;
        }
        if (e instanceof AccessDeniedException) {
            return 403;
        }
        if (e instanceof QuotaExceededException || e instanceof OverloadedException) {
            return 429;
        }
        if (e instanceof DeadlineExceededException) {
            return 504;
        }
        if (e instanceof EngineUnavailableException) {
            return 503;
        }
        if (e instanceof InvalidInputException
                || e instanceof UnknownPrincipalException
                || e instanceof IllegalArgumentException) {
            return 400;
        }
        if (e instanceof IllegalStateException) {
            return 409;
        }
        return 500;
    }

    // ---- who and what ----

    private ModelSession session(ApiRequest r) {
        return maas.as(r.principal());
    }

    /** Refuses anonymous callers: changes and private facts need a signed-in principal. */
    private static void requireSignedIn(ApiRequest r, String what) {
        if (r.anonymous()) {
            throw new ApiException(401, "sign in to " + what + ": send a bearer token");
        }
    }

    /**
     * Checks that the caller may see {@code name}: the same 404 for a model that is missing and one
     * it may not see (for the anonymous principal, one that is not {@code PUBLIC}).
     */
    private String requireVisible(ApiRequest r, ModelSession session, String name) {
        try {
            ModelRef.checkName(name, "model name");
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (!visible(r, session, name)) {
            throw ApiException.modelNotFound(name);
        }
        return name;
    }

    private boolean visible(ApiRequest r, ModelSession session, String name) {
        try {
            session.permissionOn(name);
            return !r.anonymous()
                    || session.resolve(ModelRef.latest(name)).visibility() == Visibility.PUBLIC;
        } catch (ModelNotFoundException | IllegalArgumentException e) {
            return false;
        } catch (dev.maas.MalformedModelException e) {
            return !r.anonymous(); // its latest card cannot be read: never public
        }
    }

    private ApiResponse me(ApiRequest r) {
        JsonObject o = new JsonObject();
        o.addProperty("id", r.principal().id());
        o.add("teams", MarketJson.strings(r.principal().teams()));
        o.addProperty("anonymous", r.anonymous());
        return ApiResponse.ok(o);
    }

    // ---- discovery ----

    private ApiResponse search(ApiRequest r) {
        CatalogQuery.Builder q = CatalogQuery.builder();
        try {
            q.text(r.param("q"));
            q.task(blankToNull(r.param("task")));
            q.owner(blankToNull(r.param("owner")));
            String licence = r.param("licence") != null ? r.param("licence") : r.param("license");
            q.license(blankToNull(licence));
            q.engine(blankToNull(r.param("engine")));
            for (String t : r.list("tag")) {
                q.tag(t);
            }
            for (String m : r.all("metric")) {
                q.metric(m);
            }
            String vis = blankToNull(r.param("visibility"));
            if (vis != null) {
                q.visibility(enumValue(Visibility.class, vis, "visibility"));
            }
            q.includeArchived("true".equalsIgnoreCase(r.param("archived")));
            q.sort(sort(r.param("sort")));
            q.pageSize(
                    intParam(
                            r,
                            "size",
                            CatalogQuery.DEFAULT_PAGE_SIZE,
                            1,
                            CatalogQuery.MAX_PAGE_SIZE));
            q.pageToken(blankToNull(r.param("page")));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (r.anonymous()) {
            // Anonymous callers see public models only; asking for another visibility finds none.
            CatalogQuery asked = q.build();
            if (asked.visibility() != null && asked.visibility() != Visibility.PUBLIC) {
                return ApiResponse.ok(page(List.of(), null, 0));
            }
            q.visibility(Visibility.PUBLIC);
        }
        Catalog.Page page = session(r).search(q.build());
        return ApiResponse.ok(page(page.items(), page.nextPageToken(), page.total()));
    }

    private static JsonObject page(List<CatalogEntry> items, String next, int total) {
        JsonObject o = new JsonObject();
        JsonArray a = new JsonArray();
        items.forEach(e -> a.add(MarketJson.entry(e)));
        o.add("items", a);
        o.addProperty("total", total);
        o.addProperty("nextPage", next);
        return o;
    }

    static CatalogQuery.Sort sort(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "relevance":
                return CatalogQuery.Sort.RELEVANCE;
            case "newest":
                return CatalogQuery.Sort.NEWEST;
            case "most-used":
                return CatalogQuery.Sort.MOST_USED;
            default:
                break;
        }
        if (t.startsWith("best:") && t.length() > "best:".length()) {
            String metric = t.substring("best:".length());
            boolean higherFirst = !metric.endsWith(":asc");
            metric = metric.replaceFirst(":(asc|desc)$", "");
            return CatalogQuery.Sort.best(metric, higherFirst);
        }
        throw new IllegalArgumentException(
                "sort must be relevance, newest, most-used or best:<metric>[:asc], was '"
                        + text
                        + "'");
    }

    private ApiResponse show(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        ModelListing l = s.show(name);
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("permission", r.anonymous() ? "USE" : l.permission().name());
        o.addProperty("archived", l.lifecycle().archived());
        o.addProperty("usage", l.usage());
        o.add("aliases", MarketJson.aliases(l.aliases()));
        o.add("latest", l.latest().map(MarketJson::card).orElse(null));
        o.add("versions", versionsJson(l));
        o.add("traffic", trafficJson(name, l.aliases().keySet()));
        return ApiResponse.ok(o);
    }

    private static JsonArray versionsJson(ModelListing l) {
        JsonArray a = new JsonArray();
        for (ListedVersion v : l.versions()) {
            JsonObject o = new JsonObject();
            o.addProperty("version", v.version());
            o.addProperty("deprecated", l.lifecycle().deprecations().get(v.version()));
            o.addProperty("problem", v.problem());
            if (v.isReadable()) {
                o.add("createdAt", MarketJson.instant(v.card().createdAt()));
                o.add("metrics", MarketJson.metrics(v.card().metrics()));
                o.add("card", MarketJson.card(v.card()));
            }
            a.add(o);
        }
        return a;
    }

    private ApiResponse versions(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        return ApiResponse.ok(versionsJson(s.show(name)));
    }

    private ApiResponse aliases(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        return ApiResponse.ok(MarketJson.aliases(s.show(name).aliases()));
    }

    private JsonObject trafficJson(String name, Set<String> aliases) {
        JsonObject o = new JsonObject();
        for (String alias : new java.util.TreeSet<>(aliases)) {
            maas.trafficPolicy(name, alias).ifPresent(p -> o.add(alias, MarketJson.traffic(p)));
        }
        return o;
    }

    private ApiResponse traffic(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        return ApiResponse.ok(trafficJson(name, s.show(name).aliases().keySet()));
    }

    private ApiResponse lineage(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        ModelSession.LineageView v = s.lineage(name);
        JsonObject o = new JsonObject();
        o.addProperty("model", name);
        JsonArray ancestors = new JsonArray();
        for (ModelRef a : v.ancestors()) {
            if (!r.anonymous() || visible(r, s, a.name())) {
                ancestors.add(a.toString());
            }
        }
        o.add("ancestors", ancestors);
        JsonArray descendants = new JsonArray();
        for (String d : new java.util.TreeSet<>(v.descendants())) {
            if (!r.anonymous() || visible(r, s, d)) {
                descendants.add(d);
            }
        }
        o.add("descendants", descendants);
        return ApiResponse.ok(o);
    }

    private ApiResponse usage(ApiRequest r) {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        List<UsageRow> rows = s.usage(name);
        long total = 0;
        Map<String, Long> byDay = new TreeMap<>();
        Map<Integer, Long> byVersion = new TreeMap<>();
        JsonArray rowsJson = new JsonArray();
        for (UsageRow u : rows) {
            total += u.count();
            byDay.merge(u.day().toString(), u.count(), Long::sum);
            byVersion.merge(u.version(), u.count(), Long::sum);
            // Who called is a signed-in caller's business only.
            rowsJson.add(MarketJson.usageRow(u, !r.anonymous()));
        }
        JsonObject o = new JsonObject();
        o.addProperty("model", name);
        o.addProperty("total", total);
        JsonArray days = new JsonArray();
        byDay.forEach(
                (d, c) -> {
                    JsonObject day = new JsonObject();
                    day.addProperty("day", d);
                    day.addProperty("count", c);
                    days.add(day);
                });
        o.add("byDay", days);
        JsonObject versions = new JsonObject();
        byVersion.forEach((v, c) -> versions.addProperty(Integer.toString(v), c));
        o.add("byVersion", versions);
        o.add("rows", rowsJson);
        return ApiResponse.ok(o);
    }

    // ---- publishing and routing ----

    private ApiResponse publish(ApiRequest r) throws IOException {
        requireSignedIn(r, "publish");
        String name = r.path("name");
        try {
            ModelRef.checkName(name, "model name");
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ModelUpload.Unpacked u;
        try (InputStream in = r.body().open()) {
            u = ModelUpload.unpack(in, uploadLimits);
        } catch (IllegalArgumentException e) {
            int status =
                    e.getMessage() != null && e.getMessage().contains("upload limit") ? 413 : 400;
            throw new ApiException(status, REFUSED + e.getMessage());
        }
        try {
            ModelPackage pkg;
            try {
                pkg = ModelPackage.of(cardOf(name, u), u.folder());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(REFUSED + e.getMessage());
            } catch (ApiException e) {
                throw e.getMessage().startsWith(REFUSED)
                        ? e
                        : new ApiException(e.status(), REFUSED + e.getMessage());
            }
            ModelCard stored = session(r).publish(pkg);
            return ApiResponse.created(MarketJson.card(stored));
        } finally {
            ModelUpload.delete(u.root());
        }
    }

    private static final String REFUSED = "model package refused, nothing was published: ";

    private static ModelCard cardOf(String name, ModelUpload.Unpacked u) {
        if (u.cardJson() != null) {
            JsonObject o = object(u.cardJson(), ModelUpload.CARD_FILE);
            if (o.has("name")
                    && !(o.get("name").isJsonPrimitive()
                            && o.get("name").getAsString().equals(name))) {
                throw ApiException.badRequest(
                        ModelUpload.CARD_FILE
                                + " names model "
                                + o.get("name")
                                + " but the package is published as '"
                                + name
                                + "'");
            }
            o.addProperty("name", name);
            o.addProperty("version", 0);
            o.remove("createdAt");
            o.remove("artifacts");
            try {
                return CardCodec.fromJson(o.toString());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(REFUSED + e.getMessage());
            }
        }
        try {
            return RecommenderPackage.cardOf(name, u.folder());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    "model package refused, nothing was published: it has no "
                            + ModelUpload.CARD_FILE
                            + " and is not a recommender folder; expected "
                            + ModelUpload.CARD_FILE
                            + " (task, owner, engine, format, signature...) beside the model's"
                            + " files");
        }
    }

    private ApiResponse moveAlias(ApiRequest r) throws IOException {
        requireSignedIn(r, "move an alias");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        String alias = r.path("alias");
        int version = intField(readObject(r), "version", 1, ModelRef.MAX_VERSION);
        s.setAlias(name, alias, version);
        return ApiResponse.ok(MarketJson.aliases(s.show(name).aliases()));
    }

    private ApiResponse removeAlias(ApiRequest r) {
        requireSignedIn(r, "remove an alias");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        String alias = r.path("alias");
        if (!s.removeAlias(name, alias)) {
            throw new ApiException(404, "model '" + name + "' has no alias '" + alias + "'");
        }
        return ApiResponse.ok(MarketJson.aliases(s.show(name).aliases()));
    }

    private ApiResponse setTraffic(ApiRequest r) throws IOException {
        requireSignedIn(r, "split traffic");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        String alias = r.path("alias");
        JsonObject body = readObject(r);
        JsonElement w = body.get("weights");
        if (w == null || !w.isJsonObject() || w.getAsJsonObject().size() == 0) {
            throw ApiException.badRequest(
                    "field 'weights' must be an object of version to weight, such as"
                            + " {\"1\": 0.9, \"2\": 0.1}");
        }
        Map<Integer, Double> weights = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : w.getAsJsonObject().entrySet()) {
            int version;
            try {
                version = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw ApiException.badRequest(
                        "weights must be keyed by version numbers, was '" + e.getKey() + "'");
            }
            weights.put(version, number(e.getValue(), "weights." + e.getKey()));
        }
        s.setTrafficSplit(name, alias, weights);
        return ApiResponse.ok(trafficJson(name, s.show(name).aliases().keySet()));
    }

    private ApiResponse clearTraffic(ApiRequest r) {
        requireSignedIn(r, "end a traffic split");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        s.clearTrafficSplit(name, r.path("alias"));
        return ApiResponse.ok(trafficJson(name, s.show(name).aliases().keySet()));
    }

    // ---- grants and access requests ----

    private ApiResponse grants(ApiRequest r) {
        requireSignedIn(r, "see grants");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        JsonArray a = new JsonArray();
        s.grants(name).forEach(g -> a.add(MarketJson.grant(g)));
        return ApiResponse.ok(a);
    }

    private ApiResponse grant(ApiRequest r) throws IOException {
        requireSignedIn(r, "grant");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        JsonObject body = readObject(r);
        Grantee grantee = grantee(stringField(body, "grantee", true));
        Permission permission = permission(stringField(body, "permission", true));
        Quota quota = quota(body.get("quota"));
        Grant g = s.grant(name, grantee, permission, quota);
        return ApiResponse.ok(MarketJson.grant(g));
    }

    private ApiResponse revoke(ApiRequest r) {
        requireSignedIn(r, "revoke");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        Grantee grantee = grantee(r.path("grantee"));
        if (!s.revoke(name, grantee)) {
            throw new ApiException(404, "model '" + name + "' has no grant for " + grantee);
        }
        JsonObject o = new JsonObject();
        o.addProperty("revoked", grantee.toString());
        return ApiResponse.ok(o);
    }

    private ApiResponse requestAccess(ApiRequest r) throws IOException {
        requireSignedIn(r, "ask for access");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        JsonObject body = readObject(r);
        String forWhom = stringField(body, "grantee", false);
        Grantee grantee =
                forWhom == null ? Grantee.principal(r.principal().id()) : grantee(forWhom);
        Permission permission = permission(stringField(body, "permission", true));
        String reason = stringField(body, "reason", true);
        AccessRequest req = s.requestAccess(name, grantee, permission, reason);
        return ApiResponse.created(MarketJson.request(req));
    }

    private ApiResponse requests(ApiRequest r) {
        requireSignedIn(r, "see access requests");
        JsonArray a = new JsonArray();
        session(r).accessRequests().forEach(x -> a.add(MarketJson.request(x)));
        return ApiResponse.ok(a);
    }

    private ApiResponse modelRequests(ApiRequest r) {
        requireSignedIn(r, "see access requests");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        JsonArray a = new JsonArray();
        s.accessRequests().stream()
                .filter(x -> x.model().equals(name))
                .forEach(x -> a.add(MarketJson.request(x)));
        return ApiResponse.ok(a);
    }

    private ApiResponse approve(ApiRequest r) throws IOException {
        requireSignedIn(r, "approve access requests");
        JsonObject body = readObject(r);
        String id = r.path("id");
        ModelSession s = session(r);
        requireDecidable(s, id);
        Grant g = s.approve(id, quota(body.get("quota")), stringField(body, "note", false));
        return ApiResponse.ok(MarketJson.grant(g));
    }

    private ApiResponse deny(ApiRequest r) throws IOException {
        requireSignedIn(r, "deny access requests");
        JsonObject body = readObject(r);
        String id = r.path("id");
        ModelSession s = session(r);
        requireDecidable(s, id);
        s.deny(id, stringField(body, "note", false));
        JsonObject o = new JsonObject();
        o.addProperty("denied", id);
        return ApiResponse.ok(o);
    }

    /** A request the caller neither made nor may decide is, to it, not there. */
    private static void requireDecidable(ModelSession s, String id) {
        if (s.accessRequests().stream().noneMatch(x -> x.id().equals(id))) {
            throw new ApiException(404, "access request '" + id + "' not found");
        }
    }

    // ---- audit ----

    private ApiResponse modelAudit(ApiRequest r) {
        requireSignedIn(r, "read the audit log");
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        return ApiResponse.ok(auditJson(s.audit(name), limit(r)));
    }

    private ApiResponse audit(ApiRequest r) {
        requireSignedIn(r, "read the audit log");
        ModelSession s = session(r);
        String model = blankToNull(r.param("model"));
        String principal = blankToNull(r.param("principal"));
        if (model != null && principal != null) {
            throw ApiException.badRequest("give either model or principal, not both");
        }
        List<AuditEntry> entries;
        if (model != null) {
            entries = s.audit(requireVisible(r, s, model));
        } else {
            entries = s.auditOf(principal != null ? principal : r.principal().id());
        }
        return ApiResponse.ok(auditJson(entries, limit(r)));
    }

    private static int limit(ApiRequest r) {
        return intParam(r, "limit", 200, 1, MAX_AUDIT);
    }

    private static JsonArray auditJson(List<AuditEntry> entries, int limit) {
        JsonArray a = new JsonArray();
        entries.subList(Math.max(0, entries.size() - limit), entries.size())
                .forEach(e -> a.add(MarketJson.audit(e)));
        return a;
    }

    // ---- recommendations ----

    private Recommender recommender(ApiRequest r, ModelSession s, String name, String version) {
        String ref = name;
        if (version != null && !version.isBlank()) {
            String v = version.strip();
            ref = v.chars().allMatch(Character::isDigit) ? name + ":" + v : name + "@" + v;
        }
        ModelRef parsed;
        try {
            parsed = ModelRef.parse(ref);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    "version must be a version number or an alias, was '" + version + "'");
        }
        String key = r.principal() + " " + parsed;
        Recommender cached = recommenders.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Recommender opened = Recommender.open(s, parsed.toString());
        recommenders.put(key, opened);
        return opened;
    }

    private ApiResponse recommend(ApiRequest r) throws IOException {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        Params p = params(r);
        int k = p.integer("k", 10, 1, MAX_K);
        List<String> visitor = p.strings("items");
        String user = p.string("user");
        if (user == null && visitor.isEmpty()) {
            throw ApiException.badRequest(
                    "give 'user' (a user id of the training data) or 'items' (a visitor's items)");
        }
        if (user != null && user.isBlank()) {
            throw ApiException.badRequest("user must not be blank: expected a user id");
        }
        RecommendOptions.Builder o = RecommendOptions.builder();
        List<String> allowed = p.strings("allowed");
        if (p.has("allowed")) {
            o.allowedItems(allowed);
        }
        o.exclude(p.strings("exclude"));
        Boolean excludeSeen = p.bool("excludeSeen");
        if (excludeSeen != null) {
            o.excludeSeen(excludeSeen);
        }
        List<String> genres = p.strings("genre");
        if (!genres.isEmpty()) {
            Set<String> wanted =
                    genres.stream()
                            .map(g -> g.toLowerCase(Locale.ROOT))
                            .collect(Collectors.toSet());
            o.filter(
                    item ->
                            item.genres().stream()
                                    .anyMatch(g -> wanted.contains(g.toLowerCase(Locale.ROOT))));
        }
        Recommender rec = recommender(r, s, name, p.string("version"));
        Recommendations out =
                user != null
                        ? rec.recommend(user, k, o.build())
                        : rec.recommend(visitor, k, o.build());
        return ApiResponse.ok(MarketJson.recommendations(out));
    }

    private ApiResponse similar(ApiRequest r) throws IOException {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        Params p = params(r);
        String item = p.string("item");
        if (item == null || item.isBlank()) {
            throw ApiException.badRequest("give 'item': the id of an item of the model");
        }
        int k = p.integer("k", 10, 1, MAX_K);
        Recommender rec = recommender(r, s, name, p.string("version"));
        return ApiResponse.ok(MarketJson.recommendations(rec.similarItems(item, k)));
    }

    private ApiResponse score(ApiRequest r) throws IOException {
        ModelSession s = session(r);
        String name = requireVisible(r, s, r.path("name"));
        Params p = params(r);
        String user = p.string("user");
        if (user == null || user.isBlank()) {
            throw ApiException.badRequest("give 'user': a user id of the training data");
        }
        List<String> items = p.strings("items");
        if (items.isEmpty()) {
            throw ApiException.badRequest("give 'items': the ids of the items to score");
        }
        if (items.size() > MAX_K) {
            throw ApiException.badRequest(
                    "at most " + MAX_K + " items can be scored at once, was " + items.size());
        }
        Recommender rec = recommender(r, s, name, p.string("version"));
        return ApiResponse.ok(MarketJson.recommendations(rec.score(user, items)));
    }

    /** A call's parameters: the JSON body of a POST, the query of a GET. */
    private static final class Params {
        private final ApiRequest query;
        private final JsonObject body;

        Params(ApiRequest query, JsonObject body) {
            this.query = query;
            this.body = body;
        }

        boolean has(String name) {
            return body != null ? body.has(name) : query.has(name);
        }

        String string(String name) {
            return body != null ? stringField(body, name, false) : query.param(name);
        }

        List<String> strings(String name) {
            return body != null ? stringList(body, name) : query.list(name);
        }

        int integer(String name, int dflt, int min, int max) {
            if (body == null) {
                return intParam(query, name, dflt, min, max);
            }
            return body.has(name) ? intField(body, name, min, max) : dflt;
        }

        Boolean bool(String name) {
            if (body == null) {
                String v = query.param(name);
                if (v == null) {
                    return null;
                }
                if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(v);
                }
                throw ApiException.badRequest(name + " must be true or false, was '" + v + "'");
            }
            JsonElement e = body.get(name);
            if (e == null || e.isJsonNull()) {
                return null;
            }
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
                return e.getAsBoolean();
            }
            throw ApiException.badRequest("field '" + name + "' must be true or false, was " + e);
        }
    }

    private static Params params(ApiRequest r) throws IOException {
        return new Params(r, "POST".equals(r.method()) ? readObject(r) : null);
    }

    // ---- parsing ----

    /**
     * Reads the body as one JSON object (RFC 8259, strictly).
     *
     * @throws ApiException 400 if it is not one, 413 if it is larger than {@link #MAX_JSON_BYTES}
     */
    static JsonObject readObject(ApiRequest r) throws IOException {
        byte[] bytes;
        try (InputStream in = r.body().open()) {
            bytes = in.readNBytes(MAX_JSON_BYTES + 1);
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw new ApiException(
                    413, "the JSON body is larger than " + MAX_JSON_BYTES + " bytes (the limit)");
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("expected a JSON object as the body, got nothing");
        }
        return object(new String(bytes, StandardCharsets.UTF_8), "the body");
    }

    static JsonObject object(String text, String what) {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        JsonElement e;
        try {
            e = JSON.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw ApiException.badRequest(
                        "malformed JSON in " + what + ": content after the value");
            }
        } catch (IOException | RuntimeException x) {
            if (x instanceof ApiException a) {
                throw a;
            }
            String where = reader.toString();
            int at = where.indexOf(" at line ");
            throw ApiException.badRequest(
                    "malformed JSON in "
                            + what
                            + (at < 0 ? "" : where.substring(at))
                            + ": expected one JSON object (RFC 8259)");
        }
        if (!e.isJsonObject()) {
            throw ApiException.badRequest("expected a JSON object in " + what + ", got " + kind(e));
        }
        return e.getAsJsonObject();
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isString() ? "a string" : p.isNumber() ? "a number" : "a boolean";
    }

    static String stringField(JsonObject o, String name, boolean required) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw ApiException.badRequest("field '" + name + "' is required");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ApiException.badRequest("field '" + name + "' must be a string, was " + kind(e));
        }
        return e.getAsString();
    }

    static List<String> stringList(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return List.of();
        }
        if (!e.isJsonArray()) {
            throw ApiException.badRequest(
                    "field '" + name + "' must be an array of strings, was " + kind(e));
        }
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
                throw ApiException.badRequest(
                        "field '" + name + "' must hold strings only, found " + kind(x));
            }
            out.add(x.getAsString());
        }
        return out;
    }

    static int intField(JsonObject o, String name, int min, int max) {
        JsonElement e = o.get(name);
        String shown = e == null ? "missing" : e.toString();
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && d >= min && d <= max) {
                return (int) d;
            }
        }
        throw ApiException.badRequest(
                "field '"
                        + name
                        + "' must be an integer from "
                        + min
                        + " to "
                        + max
                        + ", was "
                        + shown);
    }

    static int intParam(ApiRequest r, String name, int dflt, int min, int max) {
        String v = r.param(name);
        if (v == null) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(v.strip());
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest(
                name + " must be an integer from " + min + " to " + max + ", was '" + v + "'");
    }

    private static double number(JsonElement e, String name) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            return e.getAsDouble();
        }
        throw ApiException.badRequest(
                "field '" + name + "' must be a number, was " + (e == null ? "missing" : e));
    }

    static Grantee grantee(String text) {
        try {
            if (text.startsWith("team:")) {
                return Grantee.team(text.substring("team:".length()));
            }
            if (text.startsWith("principal:")) {
                return Grantee.principal(text.substring("principal:".length()));
            }
            return Grantee.principal(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    "grantee must be team:<name> or principal:<id>; " + e.getMessage());
        }
    }

    static Permission permission(String text) {
        return enumValue(Permission.class, text, "permission");
    }

    private static Quota quota(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Quota.NONE;
        }
        if (!e.isJsonObject()) {
            throw ApiException.badRequest(
                    "field 'quota' must be an object such as {\"maxInFlight\": 4,"
                            + " \"callsPerSecond\": 100}");
        }
        JsonObject q = e.getAsJsonObject();
        int inFlight = q.has("maxInFlight") ? intField(q, "maxInFlight", 0, Integer.MAX_VALUE) : 0;
        double perSecond =
                q.has("callsPerSecond") ? number(q.get("callsPerSecond"), "callsPerSecond") : 0;
        return new Quota(inFlight, perSecond);
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String text, String what) {
        for (E v : type.getEnumConstants()) {
            if (v.name().equalsIgnoreCase(text.strip())) {
                return v;
            }
        }
        throw ApiException.badRequest(
                what
                        + " must be one of "
                        + java.util.Arrays.toString(type.getEnumConstants())
                        + ", was '"
                        + text
                        + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
