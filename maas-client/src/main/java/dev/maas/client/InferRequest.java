package dev.maas.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One inference call: the model (and version or alias), its inputs, the outputs wanted, and how
 * tensors travel: as JSON, or as raw bytes with the protocol's binary tensor data extension
 * (smaller and faster for large tensors). Immutable and thread-safe; made with {@link
 * #builder(String)}.
 */
public final class InferRequest {
    private final String model;
    private final String version;
    private final String id;
    private final List<Tensor> inputs;
    private final List<String> outputs;
    private final boolean binaryInputs;
    private final boolean binaryOutputs;
    private final Duration timeout;

    private InferRequest(Builder b) {
        this.model = b.model;
        this.version = b.version;
        this.id = b.id;
        this.inputs = List.copyOf(b.inputs);
        this.outputs = List.copyOf(b.outputs);
        this.binaryInputs = b.binaryInputs;
        this.binaryOutputs = b.binaryOutputs;
        this.timeout = b.timeout;
    }

    /** Returns a builder for a call of {@code model}. */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    public String model() {
        return model;
    }

    /** Returns the version or alias, or {@code null} for the latest. */
    public String version() {
        return version;
    }

    /** Returns the request id echoed by the server, or {@code null}. */
    public String id() {
        return id;
    }

    public List<Tensor> inputs() {
        return inputs;
    }

    /** Returns the outputs asked for; empty for all. */
    public List<String> outputs() {
        return outputs;
    }

    /** Returns whether inputs travel as raw bytes. */
    public boolean binaryInputs() {
        return binaryInputs;
    }

    /** Returns whether outputs travel as raw bytes. */
    public boolean binaryOutputs() {
        return binaryOutputs;
    }

    /** Returns the deadline the server applies to the call, or {@code null}. */
    public Duration timeout() {
        return timeout;
    }

    /** Builds an {@link InferRequest}. Not thread-safe. */
    public static final class Builder {
        private final String model;
        private String version;
        private String id;
        private final List<Tensor> inputs = new ArrayList<>();
        private final Set<String> outputs = new LinkedHashSet<>();
        private boolean binaryInputs;
        private boolean binaryOutputs;
        private Duration timeout;

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** Calls this version number or alias instead of the latest version. */
        public Builder version(String versionOrAlias) {
            this.version = Objects.requireNonNull(versionOrAlias, "versionOrAlias");
            return this;
        }

        /** Sets an id the server echoes in its response. */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Adds an input. */
        public Builder input(Tensor tensor) {
            inputs.add(Objects.requireNonNull(tensor, "tensor"));
            return this;
        }

        /**
         * Asks for output {@code name} only (call again for more); all outputs when never called.
         */
        public Builder output(String name) {
            outputs.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Sends inputs and receives outputs as raw bytes (the binary tensor data extension). */
        public Builder binary(boolean binary) {
            this.binaryInputs = binary;
            this.binaryOutputs = binary;
            return this;
        }

        /** Sends inputs as raw bytes. */
        public Builder binaryInputs(boolean binary) {
            this.binaryInputs = binary;
            return this;
        }

        /** Receives outputs as raw bytes. */
        public Builder binaryOutputs(boolean binary) {
            this.binaryOutputs = binary;
            return this;
        }

        /**
         * Sets the deadline of the call on the server (sent as the {@code timeout} parameter, in
         * microseconds).
         *
         * @throws IllegalArgumentException if under one microsecond
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toNanos() < 1000) {
                throw new IllegalArgumentException(
                        "timeout must be >= 1 microsecond, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Returns the request.
         *
         * @throws IllegalStateException if it has no input
         */
        public InferRequest build() {
            if (inputs.isEmpty()) {
                throw new IllegalStateException("an inference request needs at least one input");
            }
            return new InferRequest(this);
        }
    }
}
