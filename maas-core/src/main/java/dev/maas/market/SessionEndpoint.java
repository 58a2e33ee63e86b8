package dev.maas.market;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import dev.maas.CallOptions;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.access.QuotaLimiter;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An endpoint called as a session's principal: each call re-checks the principal's right to use the
 * model (decisions are cached for a second), takes a quota permit, and is counted in the model's
 * usage. Thread-safe.
 */
final class SessionEndpoint implements Endpoint {
    private final ModelSession session;
    private final Endpoint delegate;

    SessionEndpoint(ModelSession session, Endpoint delegate) {
        this.session = session;
        this.delegate = delegate;
    }

    @Override
    public ModelRef ref() {
        return delegate.ref();
    }

    @Override
    public ModelCard card() {
        return delegate.card();
    }

    private <T> T call(Supplier<T> action) {
        Marketplace.Decision d = session.checkUsable(ref().name());
        QuotaLimiter.Permit permit = session.acquire(ref().name(), d); // a refused call is no call
        try {
            return action.get();
        } finally {
            permit.close();
            session.count(ref());
        }
    }

    private <T> CompletableFuture<T> callAsync(Supplier<CompletableFuture<T>> action) {
        Marketplace.Decision d = session.checkUsable(ref().name());
        QuotaLimiter.Permit permit = session.acquire(ref().name(), d);
        CompletableFuture<T> f;
        try {
            f = action.get();
        } catch (RuntimeException e) {
            permit.close();
            session.count(ref());
            throw e;
        }
        return f.whenComplete(
                (r, e) -> {
                    permit.close();
                    session.count(ref());
                });
    }

    @Override
    public NDList predict(NDList input) {
        return call(() -> delegate.predict(input));
    }

    @Override
    public NDList predict(NDList input, CallOptions options) {
        return call(() -> delegate.predict(input, options));
    }

    @Override
    public CompletableFuture<NDList> predictAsync(NDList input) {
        return callAsync(() -> delegate.predictAsync(input));
    }

    @Override
    public CompletableFuture<NDList> predictAsync(NDList input, CallOptions options) {
        return callAsync(() -> delegate.predictAsync(input, options));
    }

    @Override
    public <I, O> O predict(I input, Translator<I, O> translator) {
        return call(() -> delegate.predict(input, translator));
    }

    @Override
    public <I, O> O predict(I input, Translator<I, O> translator, CallOptions options) {
        return call(() -> delegate.predict(input, translator, options));
    }
}
