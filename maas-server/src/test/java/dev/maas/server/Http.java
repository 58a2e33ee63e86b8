package dev.maas.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain HTTP calls for tests that look at the wire itself, not through the typed client. */
final class Http {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();

    /** A response: status, headers and body. */
    record Reply(int status, String contentType, java.net.http.HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonObject json() {
            return JsonParser.parseString(text()).getAsJsonObject();
        }

        String error() {
            return json().get("error").getAsString();
        }
    }

    private Http() {}

    static Reply get(URI base, String path, String token) {
        return send(base, "GET", path, null, token);
    }

    static Reply post(URI base, String path, String json, String token) {
        return send(base, "POST", path, json.getBytes(StandardCharsets.UTF_8), token);
    }

    static Reply send(
            URI base, String method, String path, byte[] body, String token, String... headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(60))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> r =
                    CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(
                    r.statusCode(),
                    r.headers().firstValue("Content-Type").orElse(""),
                    r.headers(),
                    r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
