package dev.maas.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The table of REST routes: a method and a path pattern, each mapped to a handler. A pattern is a
 * path of literal segments and {@code {name}} segments, each matching one non-empty segment (its
 * percent-decoded value is the parameter); a last segment {@code {name*}} matches the rest of the
 * path, empty included. The first route added that matches wins.
 *
 * <p>A module of routes registers itself with one call, for example {@code
 * OipRoutes.register(routes, context)} in {@link MaasServer}. Not thread-safe while routes are
 * added; safe to read concurrently once the server has started.
 */
final class Routes {
    /** Handles one request; throws {@link OipException} to answer with an error. */
    @FunctionalInterface
    interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** One route. {@code pattern} is also the route's name in metrics. */
    record Route(String method, String pattern, List<String> segments, Handler handler) {}

    /** A matched route with its path parameters. */
    record Match(Route route, Map<String, String> params) {}

    private final List<Route> routes = new ArrayList<>();

    /**
     * Adds a route.
     *
     * @param method {@code GET}, {@code POST}, ...
     * @param pattern such as {@code /v2/models/{name}/ready}
     * @throws IllegalArgumentException if the pattern does not start with '/' or has a malformed
     *     parameter segment
     */
    Routes add(String method, String pattern, Handler handler) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with '/', was " + pattern);
        }
        List<String> segments = split(pattern);
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (s.startsWith("{") != s.endsWith("}")
                    || (s.endsWith("*}") && i != segments.size() - 1)) {
                throw new IllegalArgumentException("malformed segment '" + s + "' in " + pattern);
            }
        }
        routes.add(new Route(method, pattern, segments, handler));
        return this;
    }

    /** Adds a {@code GET} route. */
    Routes get(String pattern, Handler handler) {
        return add("GET", pattern, handler);
    }

    /** Adds a {@code POST} route. */
    Routes post(String pattern, Handler handler) {
        return add("POST", pattern, handler);
    }

    /**
     * Returns the route for {@code method} on the decoded {@code segments} of a path, or {@code
     * null}.
     */
    Match find(String method, List<String> segments) {
        for (Route r : routes) {
            if (r.method().equals(method)) {
                Map<String, String> params = match(r, segments);
                if (params != null) {
                    return new Match(r, params);
                }
            }
        }
        return null;
    }

    /** Returns the methods that have a route for the path: for a 405's {@code Allow} header. */
    Set<String> methodsFor(List<String> segments) {
        Set<String> out = new TreeSet<>();
        for (Route r : routes) {
            if (match(r, segments) != null) {
                out.add(r.method());
            }
        }
        return out;
    }

    private static Map<String, String> match(Route r, List<String> segments) {
        List<String> pattern = r.segments();
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.endsWith("*}")) {
                params.put(
                        p.substring(1, p.length() - 2),
                        String.join(
                                "/",
                                segments.subList(Math.min(i, segments.size()), segments.size())));
                return params;
            }
            if (i >= segments.size()) {
                return null;
            }
            String s = segments.get(i);
            if (p.startsWith("{")) {
                if (s.isEmpty()) {
                    return null;
                }
                params.put(p.substring(1, p.length() - 1), s);
            } else if (!p.equals(s)) {
                return null;
            }
        }
        return pattern.size() == segments.size() ? params : null;
    }

    /** Splits a path into its segments: {@code /v2/models/} is {@code [v2, models, ""]}. */
    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        int at = path.startsWith("/") ? 1 : 0;
        if (at == path.length()) {
            return out;
        }
        while (true) {
            int slash = path.indexOf('/', at);
            if (slash < 0) {
                out.add(path.substring(at));
                return out;
            }
            out.add(path.substring(at, slash));
            at = slash + 1;
        }
    }
}
