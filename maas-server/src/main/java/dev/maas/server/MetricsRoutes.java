package dev.maas.server;

/** {@code GET /metrics}: the Prometheus text exposition of the server's meter registry. */
final class MetricsRoutes {
    private MetricsRoutes() {}

    static void register(Routes routes, ServerContext context) {
        routes.get(
                "/metrics",
                ex ->
                        ex.text(
                                200,
                                "text/plain; version=0.0.4; charset=utf-8",
                                context.registry().scrape()));
    }
}
