package dev.maas.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.maas.AccessDeniedException;
import dev.maas.DeadlineExceededException;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.ModelNotFoundException;
import dev.maas.OverloadedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A client of a maas server (see {@code dev.maas.server.MaasServer}), over {@code java.net.http}.
 * Errors the server reports are thrown as the exceptions of the in-process API ({@link
 * dev.maas.ModelNotFoundException}, {@link dev.maas.InvalidInputException}, ...) with the server's
 * message.
 *
 * <p>Status codes map as follows: 400 and 413 to {@link InvalidInputException}, 401 to {@link
 * UnauthenticatedException}, 403 to {@link AccessDeniedException}, 404 to {@link
 * ModelNotFoundException} (the server does not tell a missing model from one the caller may not
 * see), 429 to {@link OverloadedException}, 503 to {@link UnavailableException}, 504 to {@link
 * DeadlineExceededException}, anything else to {@link MaasException}. A call the network fails is
 * thrown as {@link UncheckedIOException}; an interrupted one as {@link MaasException} with the
 * thread's interrupt flag set.
 *
 * <p>Thread-safe: share one client. {@link #close()} releases nothing the JDK's HTTP client would
 * not release by itself, and is idempotent.
 */
public final class MaasClient implements AutoCloseable {
    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    private MaasClient(Builder b) {
        String s = b.base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.token = b.token;
        this.timeout = b.timeout;
        HttpClient.Builder hb =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(b.connectTimeout);
        if (b.sslContext != null) {
            hb.sslContext(b.sslContext);
        }
        this.http = hb.build();
    }

    /**
     * Returns a builder for a client of the server at {@code base}, such as {@code
     * http://127.0.0.1:8080}.
     *
     * @throws IllegalArgumentException if it is not an http or https URI
     */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    /** Returns whether the server is live ({@code GET /v2/health/live}). */
    public boolean live() {
        return flag(send("GET", "/v2/health/live", null, null));
    }

    /**
     * Returns whether the server is ready to serve ({@code GET /v2/health/ready}): false when it
     * answers 503.
     */
    public boolean ready() {
        return flag(send("GET", "/v2/health/ready", null, null));
    }

    /** Returns the server's name, version and protocol extensions ({@code GET /v2}). */
    public ServerMetadata serverMetadata() {
        JsonObject o = json(send("GET", "/v2", null, null));
        List<String> ext = new ArrayList<>();
        o.getAsJsonArray("extensions").forEach(e -> ext.add(e.getAsString()));
        return new ServerMetadata(o.get("name").getAsString(), o.get("version").getAsString(), ext);
    }

    /**
     * Returns a model's metadata: its versions and the signature of its latest version.
     *
     * @throws ModelNotFoundException if it is missing or the caller may not see it
     */
    public ModelMetadata modelMetadata(String model) {
        return metadata(json(send("GET", modelPath(model, null), null, null)));
    }

    /**
     * Returns the metadata of one version (or alias) of a model.
     *
     * @throws ModelNotFoundException if it is missing or the caller may not see it
     */
    public ModelMetadata modelMetadata(String model, String versionOrAlias) {
        Objects.requireNonNull(versionOrAlias, "versionOrAlias");
        return metadata(json(send("GET", modelPath(model, versionOrAlias), null, null)));
    }

    /**
     * Returns whether the latest version of a model is ready to serve.
     *
     * @throws ModelNotFoundException if it is missing or the caller may not see it
     */
    public boolean modelReady(String model) {
        return flag(send("GET", modelPath(model, null) + "/ready", null, null));
    }

    /**
     * Returns whether a version (or alias) of a model is ready to serve; see {@link #modelReady}.
     */
    public boolean modelReady(String model, String versionOrAlias) {
        Objects.requireNonNull(versionOrAlias, "versionOrAlias");
        return flag(send("GET", modelPath(model, versionOrAlias) + "/ready", null, null));
    }

    /**
     * Runs the latest version of {@code model} on {@code inputs}, tensors as JSON.
     *
     * @see #infer(InferRequest)
     */
    public InferResponse infer(String model, Tensor... inputs) {
        InferRequest.Builder b = InferRequest.builder(model);
        for (Tensor t : inputs) {
            b.input(t);
        }
        return infer(b.build());
    }

    /**
     * Runs a model.
     *
     * @throws InvalidInputException if the inputs do not match the model (the message states the
     *     signature)
     * @throws ModelNotFoundException if it is missing or the caller may not see it
     * @throws AccessDeniedException if the caller may see but not use it
     * @throws OverloadedException if the caller's quota or the model's queue is full
     * @throws DeadlineExceededException if the request's timeout passed
     */
    public InferResponse infer(InferRequest request) {
        JsonObject body = new JsonObject();
        if (request.id() != null) {
            body.addProperty("id", request.id());
        }
        JsonObject params = new JsonObject();
        if (request.binaryOutputs()) {
            params.addProperty("binary_data_output", true);
        }
        if (request.timeout() != null) {
            params.addProperty("timeout", request.timeout().toNanos() / 1000);
        }
        if (params.size() > 0) {
            body.add("parameters", params);
        }
        JsonArray inputs = new JsonArray();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        for (Tensor t : request.inputs()) {
            JsonObject in = new JsonObject();
            in.addProperty("name", t.name());
            in.addProperty("datatype", t.datatype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            in.add("shape", shape);
            if (request.binaryInputs()) {
                JsonObject p = new JsonObject();
                p.addProperty("binary_data_size", t.rawView().length);
                in.add("parameters", p);
                binary.writeBytes(t.rawView());
            } else {
                in.add("data", WireJson.encode(t));
            }
            inputs.add(in);
        }
        body.add("inputs", inputs);
        if (!request.outputs().isEmpty()) {
            JsonArray outputs = new JsonArray();
            for (String name : request.outputs()) {
                JsonObject o = new JsonObject();
                o.addProperty("name", name);
                outputs.add(o);
            }
            body.add("outputs", outputs);
        }
        byte[] json = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> response;
        String path = modelPath(request.model(), request.version()) + "/infer";
        if (request.binaryInputs()) {
            byte[] all = new byte[json.length + binary.size()];
            System.arraycopy(json, 0, all, 0, json.length);
            System.arraycopy(binary.toByteArray(), 0, all, json.length, binary.size());
            response =
                    send(
                            "POST",
                            path,
                            all,
                            "application/octet-stream",
                            HEADER_LENGTH,
                            Integer.toString(json.length));
        } else {
            response = send("POST", path, json, "application/json");
        }
        return inferResponse(checked(response));
    }

    private static InferResponse inferResponse(HttpResponse<byte[]> response) {
        byte[] bytes = response.body();
        int jsonLength =
                response.headers()
                        .firstValue(HEADER_LENGTH)
                        .map(v -> Integer.parseInt(v.trim()))
                        .orElse(bytes.length);
        JsonObject o = parse(bytes, 0, jsonLength).getAsJsonObject();
        int at = jsonLength;
        List<Tensor> outputs = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("outputs")) {
            JsonObject t = e.getAsJsonObject();
            String name = t.get("name").getAsString();
            Datatype type = Datatype.valueOf(t.get("datatype").getAsString());
            JsonArray shapeJson = t.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
            }
            JsonObject p = t.has("parameters") ? t.getAsJsonObject("parameters") : null;
            if (p != null && p.has("binary_data_size")) {
                int n = p.get("binary_data_size").getAsInt();
                byte[] raw = java.util.Arrays.copyOfRange(bytes, at, at + n);
                at += n;
                outputs.add(Tensor.ofRaw(name, type, shape, raw));
            } else {
                outputs.add(WireJson.decode(name, type, shape, t.getAsJsonArray("data")));
            }
        }
        JsonElement id = o.get("id");
        return new InferResponse(
                o.get("model_name").getAsString(),
                o.get("model_version").getAsString(),
                id == null || id.isJsonNull() ? null : id.getAsString(),
                outputs);
    }

    private static ModelMetadata metadata(JsonObject o) {
        List<String> versions = new ArrayList<>();
        o.getAsJsonArray("versions").forEach(v -> versions.add(v.getAsString()));
        return new ModelMetadata(
                o.get("name").getAsString(),
                versions,
                o.get("platform").getAsString(),
                tensors(o.getAsJsonArray("inputs")),
                tensors(o.getAsJsonArray("outputs")));
    }

    private static List<ModelMetadata.TensorMetadata> tensors(JsonArray a) {
        List<ModelMetadata.TensorMetadata> out = new ArrayList<>();
        for (JsonElement e : a) {
            JsonObject t = e.getAsJsonObject();
            JsonArray s = t.getAsJsonArray("shape");
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).getAsLong();
            }
            out.add(
                    new ModelMetadata.TensorMetadata(
                            t.get("name").getAsString(),
                            Datatype.valueOf(t.get("datatype").getAsString()),
                            shape));
        }
        return out;
    }

    // ---- transport, shared with the other typed parts of the client ----

    /** Returns the path of a model (and version), each segment percent-encoded. */
    static String modelPath(String model, String version) {
        Objects.requireNonNull(model, "model");
        String p = "/v2/models/" + segment(model);
        return version == null ? p : p + "/versions/" + segment(version);
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters pass). */
    static String segment(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    /**
     * Sends a request and returns the response whatever its status.
     *
     * @param headers extra header names and values, alternating
     * @throws UncheckedIOException if the network fails
     */
    HttpResponse<byte[]> send(
            String method, String path, byte[] body, String contentType, String... headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri(path))
                        .timeout(timeout)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MaasException("interrupted while calling " + base + path, e);
        }
    }

    /** Returns the response if it is a success, else throws the exception its status maps to. */
    static HttpResponse<byte[]> checked(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return response;
        }
        throw error(status, response.body());
    }

    /** Returns the exception for an error status and its {@code {"error": ...}} body. */
    static RuntimeException error(int status, byte[] body) {
        String message;
        try {
            JsonElement e = parse(body, 0, body.length);
            message = e.getAsJsonObject().get("error").getAsString();
        } catch (RuntimeException e) {
            message = new String(body, StandardCharsets.UTF_8);
        }
        return switch (status) {
            case 400, 413 -> new InvalidInputException(message);
            case 401 -> new UnauthenticatedException(message);
            case 403 -> new AccessDeniedException(message);
            case 404 -> new ModelNotFoundException(message);
            case 429 -> new OverloadedException(message);
            case 503 -> new UnavailableException(message);
            case 504 -> new DeadlineExceededException(message);
            default -> new MaasException("HTTP " + status + ": " + message);
        };
    }

    /** Returns the JSON object of a successful response. */
    static JsonObject json(HttpResponse<byte[]> response) {
        byte[] body = checked(response).body();
        return parse(body, 0, body.length).getAsJsonObject();
    }

    private static boolean flag(HttpResponse<byte[]> response) {
        if (response.statusCode() == 503) {
            return false;
        }
        checked(response);
        return true;
    }

    private static JsonElement parse(byte[] bytes, int offset, int length) {
        try {
            return JsonParser.parseString(
                    new String(bytes, offset, length, StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new MaasException("the server's answer is not JSON: " + e.getMessage(), e);
        }
    }

    /** Returns the server's base URI. */
    public URI baseUri() {
        return base;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    String token() {
        return token;
    }

    Duration timeout() {
        return timeout;
    }

    HttpClient http() {
        return http;
    }

    /** Does nothing the JDK's client needs; idempotent. */
    @Override
    public void close() {}

    /** Configures a {@link MaasClient}. Not thread-safe. */
    public static final class Builder {
        private final URI base;
        private String token;
        private Duration timeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private javax.net.ssl.SSLContext sslContext;

        private Builder(URI base) {
            Objects.requireNonNull(base, "base");
            String scheme = base.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException(
                        "the server's URI must be http or https, was " + base);
            }
            this.base = base;
        }

        /**
         * Sends {@code token} as a bearer token with every call; without one calls are anonymous.
         */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Sets the time one call may take, response included; 60 s by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the time to connect; 10 s by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the TLS context, for a server whose certificate the JDK does not trust by default.
         */
        public Builder sslContext(javax.net.ssl.SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Returns the client. */
        public MaasClient build() {
            return new MaasClient(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be > 0, was " + d);
            }
            return d;
        }
    }
}
