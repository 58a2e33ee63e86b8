package dev.maas.server;

import com.google.gson.JsonObject;
import dev.maas.access.Principal;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches each request to its route, turns {@link OipException}s into {@code {"error": ...}}
 * answers with the kind's status, records a timer per route and status, and writes one access log
 * line per request (method, path, status, bytes, microseconds, principal; never a token) to the
 * logger {@code dev.maas.server.access}. Thread-safe.
 */
final class RestHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);
    static final Logger ACCESS = LoggerFactory.getLogger("dev.maas.server.access");

    private final Routes routes;
    private final ServerContext context;

    RestHandler(Routes routes, ServerContext context) {
        this.routes = routes;
        this.context = context;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        Exchange ex = null;
        String routeName = "unmatched";
        int status;
        byte[] body;
        String contentType;
        Map<String, String> extraHeaders = Map.of();
        try {
            List<String> segments = decode(rawPath);
            Routes.Match match = routes.find(method, segments);
            if (match == null) {
                Set<String> allowed = routes.methodsFor(segments);
                if (allowed.isEmpty()) {
                    throw OipException.notFound("no route " + method + " " + shorten(rawPath));
                }
                throw new MethodNotAllowed(allowed);
            }
            routeName = match.route().pattern();
            ex = new Exchange(request, match.params(), context);
            match.route().handler().handle(ex);
            status = ex.status;
            body = ex.body;
            contentType = ex.contentType;
            extraHeaders = ex.headers;
        } catch (MethodNotAllowed e) {
            status = 405;
            body = error(e.getMessage());
            contentType = "application/json";
            extraHeaders = Map.of("Allow", String.join(", ", e.allowed));
        } catch (OipException e) {
            status = e.kind().httpStatus();
            if (e.kind() == OipException.Kind.INTERNAL) {
                LOG.warn("{} {} failed", method, rawPath, e);
            }
            body = error(e.getMessage());
            contentType = "application/json";
            if (e.kind() == OipException.Kind.UNAUTHENTICATED) {
                extraHeaders = Map.of("WWW-Authenticate", "Bearer");
            }
        } catch (Exception e) {
            OipException o =
                    e instanceof RuntimeException r
                            ? OipInference.translate(r)
                            : new OipException(
                                    OipException.Kind.BAD_REQUEST,
                                    "reading the request failed: " + e.getMessage(),
                                    e);
            status = o.kind().httpStatus();
            if (o.kind() == OipException.Kind.INTERNAL) {
                LOG.warn("{} {} failed", method, rawPath, e);
            }
            body = error(o.getMessage());
            contentType = "application/json";
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        extraHeaders.forEach((k, v) -> response.getHeaders().put(k, v));
        if (status == 413) {
            // The rest of an oversized body is not read: the connection cannot be reused.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        final int finalStatus = status;
        final int bytes = body.length;
        final Principal principal = ex == null ? null : ex.principalIfKnown();
        final String route = routeName;
        response.write(
                true,
                ByteBuffer.wrap(body),
                Callback.from(
                        () -> {
                            done(method, rawPath, route, finalStatus, bytes, principal, start);
                            callback.succeeded();
                        },
                        x -> {
                            done(method, rawPath, route, finalStatus, bytes, principal, start);
                            callback.failed(x);
                        }));
        return true;
    }

    private void done(
            String method,
            String path,
            String route,
            int status,
            int bytes,
            Principal principal,
            long start) {
        long nanos = System.nanoTime() - start;
        Timer.builder("maas.http.requests")
                .description("REST requests by route and status")
                .tag("method", method)
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(context.registry())
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (ACCESS.isInfoEnabled()) {
            ACCESS.info(
                    "{} {} {} {} {}us {}",
                    method,
                    shorten(path),
                    status,
                    bytes,
                    nanos / 1000,
                    principal == null ? "-" : principal.id());
        }
    }

    private static String shorten(String path) {
        return path.length() > 200 ? path.substring(0, 200) + "..." : path;
    }

    /** A path that has routes, none for the request's method. */
    private static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Set<String> allowed;

        MethodNotAllowed(Set<String> allowed) {
            super(
                    "method not allowed here; use " + String.join(" or ", allowed),
                    null,
                    false,
                    false);
            this.allowed = allowed;
        }
    }

    byte[] error(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return context.gson().toJson(o).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Splits a path into percent-decoded segments.
     *
     * @throws OipException (bad request) for a malformed escape, or a decoded segment holding a
     *     '/', a NUL or being {@code .} or {@code ..}
     */
    static List<String> decode(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : Routes.split(rawPath == null ? "/" : rawPath)) {
            String d = percentDecode(s);
            if (d.indexOf('/') >= 0
                    || d.indexOf('\\') >= 0
                    || d.indexOf('\0') >= 0
                    || d.equals(".")
                    || d.equals("..")) {
                throw OipException.badRequest(
                        "path segment '" + shorten(s) + "' is not allowed in a path");
            }
            out.add(d);
        }
        return out;
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()
                        || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw OipException.badRequest("malformed percent escape in path segment");
                }
                out.write(
                        Character.digit(s.charAt(i + 1), 16) * 16
                                + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
