package dev.maas.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.maas.ModelCard;
import dev.maas.TrafficPolicy;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.audit.AuditEntry;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.UsageRow;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.ScoredItem;
import dev.maas.repository.CardCodec;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/** The JSON shapes of the marketplace routes. Stateless. */
final class MarketJson {
    private MarketJson() {}

    /** A card as {@code model-card.json} holds it. */
    static JsonObject card(ModelCard card) {
        return JsonParser.parseString(CardCodec.toJson(card)).getAsJsonObject();
    }

    /** One search result: what a result list shows of a model. */
    static JsonObject entry(CatalogEntry e) {
        ModelCard c = e.latest();
        JsonObject o = new JsonObject();
        o.addProperty("name", c.name());
        o.addProperty("version", c.version());
        o.addProperty("versions", e.versions());
        o.addProperty("task", c.task());
        o.addProperty("owner", c.owner());
        o.addProperty("license", c.license());
        o.addProperty("engine", c.engine());
        o.addProperty("visibility", c.visibility().name());
        o.addProperty("description", c.description());
        o.add("tags", strings(c.tags()));
        o.add("metrics", metrics(c.metrics()));
        o.addProperty("usage", e.usage());
        o.add("aliases", aliases(e.aliases()));
        JsonArray deprecated = new JsonArray();
        e.deprecatedVersions().forEach(deprecated::add);
        o.add("deprecatedVersions", deprecated);
        o.addProperty("archived", e.archived());
        o.add("createdAt", instant(c.createdAt()));
        return o;
    }

    static JsonObject metrics(Map<String, Double> metrics) {
        JsonObject m = new JsonObject();
        metrics.forEach(m::addProperty);
        return m;
    }

    static JsonObject aliases(Map<String, Integer> aliases) {
        JsonObject a = new JsonObject();
        new java.util.TreeMap<>(aliases).forEach(a::addProperty);
        return a;
    }

    static JsonArray strings(Collection<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    static JsonElement instant(Instant t) {
        return t == null ? JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(t.toString());
    }

    static JsonObject traffic(TrafficPolicy p) {
        JsonObject o = new JsonObject();
        JsonObject w = new JsonObject();
        p.weights().forEach((v, weight) -> w.addProperty(Integer.toString(v), weight));
        o.add("weights", w);
        o.addProperty("shadowVersion", p.shadowVersion());
        o.addProperty("shadowFraction", p.shadowFraction());
        return o;
    }

    static JsonObject grant(Grant g) {
        JsonObject o = new JsonObject();
        o.addProperty("model", g.model());
        o.addProperty("grantee", g.grantee().toString());
        o.addProperty("permission", g.permission().name());
        o.add("quota", quota(g.quota()));
        o.addProperty("grantedBy", g.grantedBy());
        o.add("grantedAt", instant(g.grantedAt()));
        return o;
    }

    static JsonObject quota(dev.maas.access.Quota q) {
        JsonObject o = new JsonObject();
        o.addProperty("maxInFlight", q.maxInFlight());
        o.addProperty("callsPerSecond", q.callsPerSecond());
        return o;
    }

    static JsonObject request(AccessRequest r) {
        JsonObject o = new JsonObject();
        o.addProperty("id", r.id());
        o.addProperty("model", r.model());
        o.addProperty("grantee", r.grantee().toString());
        o.addProperty("requestedBy", r.requestedBy());
        o.addProperty("permission", r.permission().name());
        o.addProperty("reason", r.reason());
        o.addProperty("state", r.state().name());
        o.add("requestedAt", instant(r.requestedAt()));
        o.addProperty("decidedBy", r.decidedBy());
        o.add("decidedAt", instant(r.decidedAt()));
        o.addProperty("note", r.note());
        return o;
    }

    static JsonObject audit(AuditEntry e) {
        JsonObject o = new JsonObject();
        o.addProperty("sequence", e.sequence());
        o.add("time", instant(e.time()));
        o.addProperty("principal", e.event().principal());
        o.addProperty("action", e.event().action().name());
        o.addProperty("model", e.event().model());
        o.addProperty("version", e.event().version());
        o.addProperty("before", e.event().before());
        o.addProperty("after", e.event().after());
        JsonObject d = new JsonObject();
        new java.util.TreeMap<>(e.event().details()).forEach(d::addProperty);
        o.add("details", d);
        o.addProperty("hash", e.hash());
        return o;
    }

    static JsonObject usageRow(UsageRow r, boolean withPrincipal) {
        JsonObject o = new JsonObject();
        o.addProperty("version", r.version());
        if (withPrincipal) {
            o.addProperty("principal", r.principal());
        }
        o.addProperty("day", r.day().toString());
        o.addProperty("count", r.count());
        return o;
    }

    /** A recommender's result; scores as doubles, which JSON carries exactly. */
    static JsonObject recommendations(Recommendations r) {
        JsonObject o = new JsonObject();
        o.addProperty("model", r.model().toString());
        o.addProperty("source", r.source().name());
        JsonArray items = new JsonArray();
        for (ScoredItem i : r.items()) {
            JsonObject item = new JsonObject();
            item.addProperty("id", i.id());
            item.addProperty("title", i.title());
            item.add("genres", strings(i.genres()));
            item.addProperty("score", i.score());
            items.add(item);
        }
        o.add("items", items);
        return o;
    }
}
