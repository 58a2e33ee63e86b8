package dev.maas.server;

import dev.maas.access.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Objects;

/**
 * Authenticates each gRPC call from its {@code authorization} metadata ({@code Bearer <token>}, as
 * REST's header) and puts the principal in the call's context ({@link #PRINCIPAL}). No metadata is
 * the anonymous principal; an unknown or revoked token ends the call with {@code UNAUTHENTICATED}
 * before the service sees it. Thread-safe.
 */
final class GrpcAuthInterceptor implements ServerInterceptor {
    /** The principal of the current call. */
    static final Context.Key<Principal> PRINCIPAL = Context.key("maas-principal");

    /** The metadata key clients send their token in (gRPC lower-cases header names). */
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Authenticator authenticator;

    GrpcAuthInterceptor(Authenticator authenticator) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Principal principal;
        try {
            principal = authenticator.authenticate(headers.get(AUTHORIZATION));
        } catch (RuntimeException e) {
            call.close(GrpcInferenceService.status(e), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(
                Context.current().withValue(PRINCIPAL, principal), call, headers, next);
    }
}
