package dev.maas.server;

import com.google.gson.Gson;
import dev.maas.ModelService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What route modules share: the model service, the protocol's executor, authentication, the JSON
 * codec, the body limit and the metrics registry. Immutable and thread-safe.
 */
record ServerContext(
        ModelService maas,
        OipInference oip,
        Authenticator authenticator,
        Gson gson,
        long maxRequestBytes,
        PrometheusMeterRegistry registry) {}
