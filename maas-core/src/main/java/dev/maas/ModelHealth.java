package dev.maas;

import java.time.Instant;
import java.util.Objects;

/**
 * The state of one model version in a {@link ModelService}: loading, ready to serve, or failed to
 * load (with the reason). Reported by {@link ModelService#health()}. Immutable.
 *
 * @param ref the exact version
 * @param state its state
 * @param reason why it failed; empty unless {@link State#FAILED}
 * @param since when it entered this state
 */
public record ModelHealth(ModelRef ref, State state, String reason, Instant since) {
    /** The states a model version goes through. */
    public enum State {
        /** Its artifact is being verified, loaded and warmed up. */
        LOADING,
        /** Loaded and serving. */
        READY,
        /** The last load failed; the next call tries again. */
        FAILED
    }

    /** Validates the parts. */
    public ModelHealth {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        reason = reason == null ? "" : reason;
    }
}
