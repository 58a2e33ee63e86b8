package dev.maas.audit;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One administrative operation as a caller records it: who did what to which model, and the value
 * before and after.
 *
 * <p>{@code before} and {@code after} hold the changed value as text, exactly as given (for an
 * alias move, the old and new version; for a traffic change, the old and new split); either is null
 * when there was no value on that side. {@code details} holds anything else worth keeping (a
 * reason, a request id, a team); it is copied into an unmodifiable map sorted by key, so two events
 * with the same content are equal and serialise the same way.
 *
 * <p>Immutable and thread-safe. Build one with the canonical constructor or with {@link
 * #builder(String, AuditAction)}.
 *
 * @param principal who performed the operation (a user, service or team id); required, not blank
 * @param action what was done; required
 * @param model the model acted on, or null for operations that concern no model; not blank when
 *     given
 * @param version the model version acted on (1 or more), or null; only with a model
 * @param before the value before the operation, or null
 * @param after the value after the operation, or null
 * @param details further facts, keys not blank, values not null; null is taken as empty
 */
public record AuditEvent(
        String principal,
        AuditAction action,
        String model,
        Integer version,
        String before,
        String after,
        Map<String, String> details) {

    /**
     * Checks and copies the fields.
     *
     * @throws NullPointerException if {@code principal} or {@code action} is null, or {@code
     *     details} holds a null key or value; the message names the field
     * @throws IllegalArgumentException if {@code principal}, {@code model} or a details key is
     *     blank, {@code version} is below 1, or a version is given without a model
     */
    public AuditEvent {
        Objects.requireNonNull(principal, "principal");
        if (principal.isBlank()) {
            throw new IllegalArgumentException("principal must not be blank");
        }
        Objects.requireNonNull(action, "action");
        if (model != null && model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank when given");
        }
        if (version != null) {
            if (version < 1) {
                throw new IllegalArgumentException("version must be 1 or more, was " + version);
            }
            if (model == null) {
                throw new IllegalArgumentException("version " + version + " given without a model");
            }
        }
        details = copyDetails(details);
    }

    /**
     * Starts an event of {@code action} by {@code principal}.
     *
     * @throws NullPointerException if either is null
     * @throws IllegalArgumentException if {@code principal} is blank
     */
    public static Builder builder(String principal, AuditAction action) {
        return new Builder(principal, action);
    }

    private static SortedMap<String, String> copyDetails(Map<String, String> details) {
        TreeMap<String, String> copy = new TreeMap<>();
        if (details != null) {
            details.forEach(
                    (k, v) -> {
                        Objects.requireNonNull(k, "details key");
                        Objects.requireNonNull(v, () -> "details value of '" + k + "'");
                        if (k.isBlank()) {
                            throw new IllegalArgumentException("details key must not be blank");
                        }
                        copy.put(k, v);
                    });
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    /**
     * Collects the fields of an {@link AuditEvent}. Each setter checks its argument at once where
     * it can; {@link #build()} checks the combination. Not thread-safe; use one builder per thread.
     */
    public static final class Builder {
        private final String principal;
        private final AuditAction action;
        private String model;
        private Integer version;
        private String before;
        private String after;
        private final TreeMap<String, String> details = new TreeMap<>();

        private Builder(String principal, AuditAction action) {
            Objects.requireNonNull(principal, "principal");
            if (principal.isBlank()) {
                throw new IllegalArgumentException("principal must not be blank");
            }
            this.principal = principal;
            this.action = Objects.requireNonNull(action, "action");
        }

        /**
         * Sets the model acted on.
         *
         * @throws NullPointerException if {@code model} is null
         * @throws IllegalArgumentException if it is blank
         */
        public Builder model(String model) {
            Objects.requireNonNull(model, "model");
            if (model.isBlank()) {
                throw new IllegalArgumentException("model must not be blank");
            }
            this.model = model;
            return this;
        }

        /**
         * Sets the model version acted on; {@link #build()} requires a model as well.
         *
         * @throws IllegalArgumentException if {@code version} is below 1
         */
        public Builder version(int version) {
            if (version < 1) {
                throw new IllegalArgumentException("version must be 1 or more, was " + version);
            }
            this.version = version;
            return this;
        }

        /** Sets the value before the operation; null means there was none. */
        public Builder before(String before) {
            this.before = before;
            return this;
        }

        /** Sets the value after the operation; null means there is none. */
        public Builder after(String after) {
            this.after = after;
            return this;
        }

        /**
         * Adds one detail, replacing an earlier value of the same key.
         *
         * @throws NullPointerException if {@code key} or {@code value} is null
         * @throws IllegalArgumentException if {@code key} is blank
         */
        public Builder detail(String key, String value) {
            Objects.requireNonNull(key, "details key");
            Objects.requireNonNull(value, () -> "details value of '" + key + "'");
            if (key.isBlank()) {
                throw new IllegalArgumentException("details key must not be blank");
            }
            details.put(key, value);
            return this;
        }

        /**
         * Adds every entry of {@code details}, as {@link #detail} does one.
         *
         * @throws NullPointerException if {@code details} or one of its keys or values is null
         * @throws IllegalArgumentException if a key is blank
         */
        public Builder details(Map<String, String> details) {
            Objects.requireNonNull(details, "details").forEach(this::detail);
            return this;
        }

        /**
         * Returns the event.
         *
         * @throws IllegalArgumentException if a version was set without a model
         */
        public AuditEvent build() {
            return new AuditEvent(principal, action, model, version, before, after, details);
        }
    }
}
