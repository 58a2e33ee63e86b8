package dev.maas.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The marketplace web page: {@code index.html}, {@code app.js} and {@code app.css}, read once from
 * the class path ({@code dev/maas/server/web/}) and served at {@code /} with a strict Content
 * Security Policy (scripts, styles and connections to this server only; no inline script) and an
 * ETag, so that a browser revalidates with a 304 instead of downloading again. Nothing is fetched
 * from elsewhere. Immutable and thread-safe.
 */
final class WebRoutes {
    /** The Content-Security-Policy of every page response. */
    static final String CSP =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; base-uri 'none'; form-action 'self';"
                    + " frame-ancestors 'none'";

    /** One file of the page. */
    record Asset(byte[] bytes, String contentType, String etag) {}

    private final Map<String, Asset> assets;

    WebRoutes() {
        Asset index = load("index.html", "text/html; charset=utf-8");
        this.assets =
                Map.of(
                        "/",
                        index,
                        "/index.html",
                        index,
                        "/app.js",
                        load("app.js", "text/javascript; charset=utf-8"),
                        "/app.css",
                        load("app.css", "text/css; charset=utf-8"));
    }

    static void register(Routes routes, ServerContext context) {
        WebRoutes web = new WebRoutes();
        for (String path : web.assets.keySet()) {
            routes.get(path, ex -> web.serve(path, ex));
        }
    }

    private void serve(String path, Exchange ex) {
        Asset a = assets.get(path);
        ex.responseHeader("Content-Security-Policy", CSP);
        ex.responseHeader("X-Content-Type-Options", "nosniff");
        ex.responseHeader("Referrer-Policy", "no-referrer");
        ex.responseHeader("Cache-Control", "no-cache");
        ex.responseHeader("ETag", a.etag());
        String match = ex.header("If-None-Match");
        if (match != null && match.contains(a.etag())) {
            ex.bytes(304, a.contentType(), new byte[0]);
            return;
        }
        ex.bytes(200, a.contentType(), a.bytes());
    }

    private static Asset load(String name, String contentType) {
        String resource = "web/" + name;
        try (InputStream in = WebRoutes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "the web page's " + name + " is missing from the class path");
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            String etag = "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
            return new Asset(bytes, contentType, etag);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web page's " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the text of one asset, for tests. */
    String text(String path) {
        return new String(assets.get(path).bytes(), StandardCharsets.UTF_8);
    }
}
