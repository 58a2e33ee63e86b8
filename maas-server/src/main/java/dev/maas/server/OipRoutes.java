package dev.maas.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Open Inference Protocol v2 REST routes: health, server and model metadata, model readiness
 * and inference, with JSON tensors and the binary tensor data extension ({@value #HEADER_LENGTH},
 * {@code binary_data_size} on inputs, {@code binary_data} on requested outputs or {@code
 * binary_data_output} on the request). Translates to {@link OipInference} calls.
 */
final class OipRoutes {
    /**
     * The header that gives the length of the JSON part of a request or response with binary data.
     */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private static final int MAX_RANK = 32;

    private OipRoutes() {}

    static void register(Routes routes, ServerContext context) {
        OipInference oip = context.oip();
        routes.get("/v2/health/live", ex -> ex.json(200, flag("live", true)));
        routes.get(
                "/v2/health/ready",
                ex -> {
                    OipInference.Readiness r = oip.readiness();
                    JsonObject o = flag("ready", r.ready());
                    if (!r.ready()) {
                        o.addProperty("error", r.reason());
                    }
                    ex.json(r.ready() ? 200 : 503, o);
                });
        routes.get("/v2", ex -> ex.json(200, serverMetadata(oip.serverMetadata())));
        routes.get(
                "/v2/models/{name}",
                ex -> ex.json(200, modelMetadata(oip, ex, ex.param("name"), null)));
        routes.get(
                "/v2/models/{name}/versions/{version}",
                ex -> ex.json(200, modelMetadata(oip, ex, ex.param("name"), ex.param("version"))));
        routes.get("/v2/models/{name}/ready", ex -> ready(oip, ex, ex.param("name"), null));
        routes.get(
                "/v2/models/{name}/versions/{version}/ready",
                ex -> ready(oip, ex, ex.param("name"), ex.param("version")));
        routes.post("/v2/models/{name}/infer", ex -> infer(oip, ex, ex.param("name"), null));
        routes.post(
                "/v2/models/{name}/versions/{version}/infer",
                ex -> infer(oip, ex, ex.param("name"), ex.param("version")));
    }

    private static JsonObject flag(String name, boolean value) {
        JsonObject o = new JsonObject();
        o.addProperty(name, value);
        return o;
    }

    private static JsonObject serverMetadata(OipInference.ServerMetadata m) {
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("version", m.version());
        JsonArray ext = new JsonArray();
        m.extensions().forEach(ext::add);
        o.add("extensions", ext);
        return o;
    }

    private static JsonObject modelMetadata(
            OipInference oip, Exchange ex, String name, String version) {
        OipInference.ModelMetadata m = oip.modelMetadata(ex.principal(), name, version);
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        JsonArray versions = new JsonArray();
        m.versions().forEach(versions::add);
        o.add("versions", versions);
        o.addProperty("platform", m.platform());
        o.add("inputs", tensorMetadata(m.inputs()));
        o.add("outputs", tensorMetadata(m.outputs()));
        return o;
    }

    private static JsonArray tensorMetadata(List<OipInference.TensorMetadata> tensors) {
        JsonArray a = new JsonArray();
        for (OipInference.TensorMetadata t : tensors) {
            JsonObject o = new JsonObject();
            o.addProperty("name", t.name());
            o.addProperty("datatype", t.datatype().wireName());
            o.add("shape", shape(t.shape()));
            a.add(o);
        }
        return a;
    }

    private static JsonArray shape(long[] shape) {
        JsonArray a = new JsonArray();
        for (long d : shape) {
            a.add(d);
        }
        return a;
    }

    private static void ready(OipInference oip, Exchange ex, String name, String version) {
        boolean ready = oip.modelReady(ex.principal(), name, version);
        JsonObject o = flag("ready", ready);
        if (!ready) {
            o.addProperty("error", "model '" + name + "' is loading or failed to load");
        }
        ex.json(ready ? 200 : 503, o);
    }

    // ---- infer ----

    private static void infer(OipInference oip, Exchange ex, String name, String version)
            throws java.io.IOException {
        // Authenticate before reading a body that may be large.
        var principal = ex.principal();
        byte[] body = ex.body();
        int jsonLength = body.length;
        String declared = ex.header(HEADER_LENGTH);
        if (declared != null) {
            try {
                jsonLength = Integer.parseInt(declared.trim());
            } catch (NumberFormatException e) {
                jsonLength = -1;
            }
            if (jsonLength < 0 || jsonLength > body.length) {
                throw OipException.badRequest(
                        HEADER_LENGTH
                                + " is '"
                                + declared
                                + "': expected a length from 0 to the body's "
                                + body.length
                                + " bytes");
            }
        }
        JsonObject request = Exchange.parseObject(body, 0, jsonLength);
        JsonElement idElement = request.get("id");
        String id = idElement == null || idElement.isJsonNull() ? null : string(idElement, "id");
        Map<String, Object> parameters = parameters(request.get("parameters"), "parameters");

        JsonArray inputsJson = array(request.get("inputs"), "inputs");
        if (inputsJson.isEmpty()) {
            throw OipException.badRequest("field 'inputs' is empty: a call needs its inputs");
        }
        List<InferTensor> inputs = new ArrayList<>(inputsJson.size());
        int binaryAt = jsonLength;
        for (int i = 0; i < inputsJson.size(); i++) {
            String where = "inputs[" + i + "]";
            JsonObject in = object(inputsJson.get(i), where);
            String tensorName = string(in.get("name"), where + ".name");
            OipDatatype type = OipDatatype.parse(string(in.get("datatype"), where + ".datatype"));
            long[] shape = shape(in.get("shape"), where + ".shape");
            Map<String, Object> p = parameters(in.get("parameters"), where + ".parameters");
            Object size = p.get("binary_data_size");
            if (size != null) {
                long n = wholeNumber(size, where + ".parameters.binary_data_size");
                if (n > body.length - binaryAt) {
                    throw OipException.badRequest(
                            where
                                    + " declares "
                                    + n
                                    + " bytes of binary data but only "
                                    + (body.length - binaryAt)
                                    + " follow the JSON header");
                }
                if (in.has("data")) {
                    throw OipException.badRequest(
                            where + " has both binary_data_size and data: give one");
                }
                byte[] raw = java.util.Arrays.copyOfRange(body, binaryAt, binaryAt + (int) n);
                binaryAt += (int) n;
                inputs.add(new InferTensor(tensorName, type, shape, raw));
            } else {
                inputs.add(JsonTensors.fromJson(tensorName, type, shape, in.get("data")));
            }
        }
        if (binaryAt != body.length) {
            throw OipException.badRequest(
                    (body.length - binaryAt)
                            + " bytes of binary data follow the JSON header that no input claims"
                            + " (inputs claim them with parameters.binary_data_size)");
        }

        boolean allBinary = Boolean.TRUE.equals(parameters.get("binary_data_output"));
        List<String> requested = new ArrayList<>();
        Set<String> binary = new HashSet<>();
        JsonElement outputsJson = request.get("outputs");
        if (outputsJson != null && !outputsJson.isJsonNull()) {
            JsonArray outs = array(outputsJson, "outputs");
            for (int i = 0; i < outs.size(); i++) {
                String where = "outputs[" + i + "]";
                JsonObject o = object(outs.get(i), where);
                String outName = string(o.get("name"), where + ".name");
                requested.add(outName);
                Object b =
                        parameters(o.get("parameters"), where + ".parameters").get("binary_data");
                if (Boolean.TRUE.equals(b)) {
                    binary.add(outName);
                }
            }
        }

        OipInference.InferResult result =
                oip.infer(principal, name, version, inputs, requested, parameters);

        JsonObject response = new JsonObject();
        response.addProperty("model_name", result.model());
        response.addProperty("model_version", result.version());
        if (id != null) {
            response.addProperty("id", id);
        }
        JsonArray outputs = new JsonArray();
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        for (InferTensor t : result.outputs()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", t.name());
            o.addProperty("datatype", t.datatype().wireName());
            o.add("shape", shape(t.shape()));
            if (allBinary || binary.contains(t.name())) {
                JsonObject p = new JsonObject();
                p.addProperty("binary_data_size", t.rawView().length);
                o.add("parameters", p);
                tail.write(t.rawView());
            } else {
                o.add("data", JsonTensors.toJson(t));
            }
            outputs.add(o);
        }
        response.add("outputs", outputs);
        if (tail.size() == 0) {
            ex.json(200, response);
        } else {
            byte[] json = ex.context().gson().toJson(response).getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[json.length + tail.size()];
            System.arraycopy(json, 0, all, 0, json.length);
            System.arraycopy(tail.toByteArray(), 0, all, json.length, tail.size());
            ex.responseHeader(HEADER_LENGTH, Integer.toString(json.length));
            ex.bytes(200, "application/octet-stream", all);
        }
    }

    // ---- checked access to JSON fields ----

    private static String string(JsonElement e, String where) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw OipException.badRequest(
                    "field '" + where + "' must be a string, was " + describe(e));
        }
        return e.getAsString();
    }

    private static JsonArray array(JsonElement e, String where) {
        if (e == null || !e.isJsonArray()) {
            throw OipException.badRequest(
                    "field '" + where + "' must be an array, was " + describe(e));
        }
        return e.getAsJsonArray();
    }

    private static JsonObject object(JsonElement e, String where) {
        if (e == null || !e.isJsonObject()) {
            throw OipException.badRequest(
                    "field '" + where + "' must be an object, was " + describe(e));
        }
        return e.getAsJsonObject();
    }

    private static long[] shape(JsonElement e, String where) {
        JsonArray a = array(e, where);
        if (a.size() > MAX_RANK) {
            throw OipException.badRequest(
                    "field '" + where + "' has " + a.size() + " dimensions, at most " + MAX_RANK);
        }
        long[] shape = new long[a.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonElement d = a.get(i);
            long v;
            try {
                if (!d.isJsonPrimitive() || !d.getAsJsonPrimitive().isNumber()) {
                    throw new ArithmeticException();
                }
                v = new BigDecimal(d.getAsString()).longValueExact();
            } catch (ArithmeticException | NumberFormatException x) {
                v = -1;
            }
            if (v < 0) {
                throw OipException.badRequest(
                        "field '"
                                + where
                                + "' must hold non-negative integers, element "
                                + i
                                + " is "
                                + describe(d));
            }
            shape[i] = v;
        }
        return shape;
    }

    /** Reads a parameters object: strings, booleans and numbers (as {@link BigDecimal}). */
    private static Map<String, Object> parameters(JsonElement e, String where) {
        if (e == null || e.isJsonNull()) {
            return Map.of();
        }
        JsonObject o = object(e, where);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> p : o.entrySet()) {
            JsonElement v = p.getValue();
            if (!v.isJsonPrimitive()) {
                throw OipException.badRequest(
                        "parameter '"
                                + where
                                + "."
                                + p.getKey()
                                + "' must be a string, number or boolean, was "
                                + describe(v));
            }
            JsonPrimitive prim = v.getAsJsonPrimitive();
            out.put(
                    p.getKey(),
                    prim.isBoolean()
                            ? prim.getAsBoolean()
                            : prim.isNumber()
                                    ? new BigDecimal(prim.getAsString())
                                    : prim.getAsString());
        }
        return out;
    }

    private static long wholeNumber(Object v, String where) {
        try {
            if (v instanceof BigDecimal d && d.signum() >= 0) {
                return d.longValueExact();
            }
        } catch (ArithmeticException e) {
            // fall through
        }
        throw OipException.badRequest(
                "parameter '" + where + "' must be a non-negative integer, was " + v);
    }

    private static String describe(JsonElement e) {
        if (e == null) {
            return "missing";
        }
        String s = e.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
