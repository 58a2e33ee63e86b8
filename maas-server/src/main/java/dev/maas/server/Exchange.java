package dev.maas.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import dev.maas.access.Principal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * One REST request being handled: what a {@link Routes.Handler} reads (path parameters, query,
 * headers, the caller's principal, the body, bounded) and the response it sets ({@link #json},
 * {@link #bytes}), which the server writes once the handler returns. Used by one thread at a time.
 */
final class Exchange {
    private final Request request;
    private final Map<String, String> params;
    private final ServerContext context;
    private Principal principal;
    private boolean bodyRead;

    // The response, written by the server after the handler returns.
    int status = 200;
    String contentType = "application/json";
    byte[] body = new byte[0];
    final Map<String, String> headers = new LinkedHashMap<>();

    Exchange(Request request, Map<String, String> params, ServerContext context) {
        this.request = request;
        this.params = params;
        this.context = context;
    }

    /** Returns the server's shared parts. */
    ServerContext context() {
        return context;
    }

    /** Returns the request method. */
    String method() {
        return request.getMethod();
    }

    /** Returns the request's path, as sent (percent-encoded). */
    String path() {
        return request.getHttpURI().getPath();
    }

    /** Returns the decoded path parameter {@code name} of the route's pattern. */
    String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the route has no parameter " + name);
        }
        return v;
    }

    /** Returns the first value of query parameter {@code name}, or {@code null}. */
    String query(String name) {
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        return fields.getValue(name);
    }

    /** Returns every value of query parameter {@code name}. */
    List<String> queryAll(String name) {
        Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        List<String> values = fields.getValues(name);
        return values == null ? List.of() : values;
    }

    /** Returns the request header {@code name}, or {@code null}. */
    String header(String name) {
        return request.getHeaders().get(name);
    }

    /**
     * Returns the principal the request acts as, authenticating it on first use.
     *
     * @throws OipException (unauthenticated) for an unknown or revoked token
     */
    Principal principal() {
        if (principal == null) {
            principal =
                    context.authenticator()
                            .authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
        }
        return principal;
    }

    /**
     * Returns the principal if it has been authenticated, else {@code null}: for the access log.
     */
    Principal principalIfKnown() {
        return principal;
    }

    /**
     * Reads the whole body, at most the server's limit.
     *
     * @throws OipException (too large) if the body is, or declares to be, over the limit: a
     *     declared length is refused before a byte is read
     */
    byte[] body() throws IOException {
        if (bodyRead) {
            throw new IllegalStateException("the body was already read");
        }
        bodyRead = true;
        long max = context.maxRequestBytes();
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(declared, max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        try (InputStream in = Request.asInputStream(request)) {
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                if (total > max) {
                    throw tooLarge(-1, max);
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    /**
     * Reads the body as one JSON object.
     *
     * @throws OipException (bad request) if it is not a JSON object, saying where it is malformed
     */
    JsonObject jsonBody() throws IOException {
        return parseObject(body(), 0, -1);
    }

    /** Parses {@code length} bytes from {@code offset} (-1: to the end) as one JSON object. */
    static JsonObject parseObject(byte[] bytes, int offset, int length) {
        int len = length < 0 ? bytes.length - offset : length;
        if (len == 0) {
            throw OipException.badRequest("the request body is empty: expected a JSON object");
        }
        try (JsonReader reader =
                new JsonReader(
                        new InputStreamReader(
                                new java.io.ByteArrayInputStream(bytes, offset, len),
                                StandardCharsets.UTF_8))) {
            reader.setStrictness(com.google.gson.Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw OipException.badRequest("the request body has more after its JSON object");
            }
            if (!e.isJsonObject()) {
                throw OipException.badRequest(
                        "the request body must be a JSON object, was " + kind(e));
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                why = e.getCause().getMessage();
            }
            throw OipException.badRequest("the request body is not well-formed JSON: " + why);
        }
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        return "a " + (e.getAsJsonPrimitive().isString() ? "string" : "number or boolean");
    }

    private static OipException tooLarge(long declared, long max) {
        return new OipException(
                OipException.Kind.TOO_LARGE,
                "the request body "
                        + (declared >= 0 ? "declares " + declared + " bytes" : "is longer")
                        + " than the server accepts ("
                        + max
                        + " bytes)");
    }

    /** Sets a JSON response. */
    void json(int status, JsonElement value) {
        this.status = status;
        this.contentType = "application/json";
        this.body = context.gson().toJson(value).getBytes(StandardCharsets.UTF_8);
    }

    /** Sets a response of raw bytes. */
    void bytes(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    /** Sets a text response. */
    void text(int status, String contentType, String text) {
        bytes(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a response header. */
    void responseHeader(String name, String value) {
        headers.put(name, value);
    }
}
