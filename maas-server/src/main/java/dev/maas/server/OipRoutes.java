package dev.maas.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * The Open Inference Protocol v2 REST routes: health, server and model metadata, model readiness
 * and inference. Translates JSON (and the binary tensor data extension) to {@link OipInference}
 * calls.
 */
final class OipRoutes {
    private OipRoutes() {}

    static void register(Routes routes, ServerContext context) {
        OipInference oip = context.oip();
        routes.get("/v2/health/live", ex -> ex.json(200, status("live", true)));
        routes.get(
                "/v2/health/ready",
                ex -> {
                    OipInference.Readiness r = oip.readiness();
                    JsonObject o = status("ready", r.ready());
                    if (!r.ready()) {
                        o.addProperty("error", r.reason());
                    }
                    ex.json(r.ready() ? 200 : 503, o);
                });
        routes.get(
                "/v2",
                ex -> {
                    OipInference.ServerMetadata m = oip.serverMetadata();
                    JsonObject o = new JsonObject();
                    o.addProperty("name", m.name());
                    o.addProperty("version", m.version());
                    JsonArray ext = new JsonArray();
                    m.extensions().forEach(ext::add);
                    o.add("extensions", ext);
                    ex.json(200, o);
                });
    }

    private static JsonObject status(String name, boolean value) {
        JsonObject o = new JsonObject();
        o.addProperty(name, value);
        return o;
    }
}
