package dev.maas.server;

import dev.maas.access.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One call of a marketplace route as its handler sees it: who calls, the path's parameters, the
 * query and the body. Kept apart from the HTTP stack's request so that the handlers are plain
 * functions of it.
 *
 * @param method the HTTP method
 * @param principal the caller (the anonymous principal when no token was sent)
 * @param anonymous whether no token was sent: such a caller sees only {@code PUBLIC} models and
 *     changes nothing
 * @param path the decoded value of a parameter named in the route's pattern
 * @param query the decoded values of a query parameter, in order; empty when absent
 * @param body opens the body; read once
 */
record ApiRequest(
        String method,
        Principal principal,
        boolean anonymous,
        Function<String, String> path,
        Function<String, List<String>> query,
        Body body) {

    /** Opens the request body. */
    interface Body {
        InputStream open() throws IOException;
    }

    ApiRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(body, "body");
    }

    /** Returns the path parameter {@code name}. */
    String path(String name) {
        return path.apply(name);
    }

    /** Returns whether the query has parameter {@code name}. */
    boolean has(String name) {
        return !query.apply(name).isEmpty();
    }

    /** Returns the first value of query parameter {@code name}, or {@code null}. */
    String param(String name) {
        List<String> v = query.apply(name);
        return v.isEmpty() ? null : v.get(0);
    }

    /** Returns every value of query parameter {@code name}. */
    List<String> all(String name) {
        return query.apply(name);
    }

    /** Returns every value of {@code name}, each split at commas, blanks left out. */
    List<String> list(String name) {
        return query.apply(name).stream()
                .flatMap(s -> java.util.Arrays.stream(s.split(",")))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
