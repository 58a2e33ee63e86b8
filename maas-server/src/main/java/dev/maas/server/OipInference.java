package dev.maas.server;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.maas.AccessDeniedException;
import dev.maas.CallOptions;
import dev.maas.DeadlineExceededException;
import dev.maas.Endpoint;
import dev.maas.EngineUnavailableException;
import dev.maas.InvalidInputException;
import dev.maas.MaasException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelHealth;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.OverloadedException;
import dev.maas.QuotaExceededException;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import dev.maas.access.Principal;
import dev.maas.market.ModelSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Open Inference Protocol v2 operations, independent of the transport: REST and gRPC both call
 * these and only translate requests, results and {@link OipException}s.
 *
 * <p>Every operation on a model acts as the given principal through the marketplace ({@link
 * ModelService#as}), so grants, quotas and usage counting apply as they do in-process. A model the
 * principal may not see and a model that does not exist give the same {@link
 * OipException.Kind#NOT_FOUND} with the same message. The anonymous principal ({@link
 * Authenticator#ANONYMOUS}) sees only {@link Visibility#PUBLIC} models, whatever grants say.
 *
 * <p>Thread-safe.
 */
final class OipInference implements AutoCloseable {
    /** The server name reported by server metadata. */
    static final String SERVER_NAME = "maas";

    /** The protocol extensions this server implements. */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data");

    /** The request parameter holding the call's deadline, in microseconds (Triton's name). */
    static final String TIMEOUT_PARAMETER = "timeout";

    private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}");

    private final ModelService maas;
    private final Object managerLock = new Object();
    // One base manager per engine, made on first use; each call works in a sub-manager of the
    // manager of its model's engine, so every datatype that engine holds can pass.
    private final Map<String, NDManager> managers = new HashMap<>(); // guarded by managerLock
    private boolean closed; // guarded by managerLock

    OipInference(ModelService maas) {
        this.maas = Objects.requireNonNull(maas, "maas");
    }

    /** What {@code GET /v2} answers. */
    record ServerMetadata(String name, String version, List<String> extensions) {}

    /** A tensor of a model's signature; {@code -1} in the shape for any size. */
    record TensorMetadata(String name, OipDatatype datatype, long[] shape) {}

    /**
     * What {@code GET /v2/models/{name}[/versions/{v}]} answers.
     *
     * @param versions the model's versions, oldest first, or the one version asked for
     * @param platform the engine and format, such as {@code onnxruntime_onnx}
     */
    record ModelMetadata(
            String name,
            List<String> versions,
            String platform,
            List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {}

    /** The outputs of one call and the version that produced them. */
    record InferResult(String model, String version, List<InferTensor> outputs) {}

    /** The readiness of the service, with the state of each model version it has loaded. */
    record Readiness(boolean ready, String reason, List<ModelHealth> models) {}

    /** Returns the server's name, version and extensions. */
    ServerMetadata serverMetadata() {
        String version = OipInference.class.getPackage().getImplementationVersion();
        return new ServerMetadata(SERVER_NAME, version == null ? "dev" : version, EXTENSIONS);
    }

    /**
     * Returns whether the service can serve now: its repository answers. Models that failed to load
     * do not make the service unready (their own readiness says so); they are listed.
     */
    Readiness readiness() {
        List<ModelHealth> health;
        try {
            health = maas.health();
            maas.models();
        } catch (IllegalStateException e) {
            return new Readiness(false, "the model service is closed", List.of());
        } catch (RuntimeException e) {
            return new Readiness(false, "the model repository does not answer: " + e, List.of());
        }
        return new Readiness(true, "", health);
    }

    /**
     * Returns the metadata of a model, or of one version (or alias) of it.
     *
     * @throws OipException if it is missing or not visible, or the reference is malformed
     */
    ModelMetadata modelMetadata(Principal principal, String model, String version) {
        return call(
                principal,
                model,
                session -> {
                    ModelRef ref = ref(model, version);
                    ModelCard card = session.resolve(ref);
                    List<String> versions;
                    if (version == null) {
                        versions = new ArrayList<>();
                        for (ModelCard c : maas.versions(model)) {
                            versions.add(Integer.toString(c.version()));
                        }
                    } else {
                        versions = List.of(Integer.toString(card.version()));
                    }
                    return new ModelMetadata(
                            card.name(),
                            versions,
                            platform(card),
                            metadata(card.inputs()),
                            metadata(card.outputs()));
                });
    }

    /**
     * Returns whether a model version (the latest when {@code version} is {@code null}) can serve:
     * it exists, is visible, and is neither loading nor failed.
     *
     * @throws OipException if it is missing or not visible, or the reference is malformed
     */
    boolean modelReady(Principal principal, String model, String version) {
        return call(
                principal,
                model,
                session -> {
                    ModelCard card = session.resolve(ref(model, version));
                    ModelRef exact = ModelRef.of(card.name(), card.version());
                    for (ModelHealth h : maas.health()) {
                        if (h.ref().equals(exact)) {
                            return h.state() == ModelHealth.State.READY;
                        }
                    }
                    return true; // not loaded yet: the first call loads it
                });
    }

    /**
     * Runs a model on {@code inputs}.
     *
     * @param version a version number, an alias, or {@code null} for the latest
     * @param inputs the inputs, matched to the card's signature by name (or by position when the
     *     signature's tensors have no names)
     * @param requestedOutputs the outputs to return, by name; empty for all
     * @param parameters the request's parameters: {@value #TIMEOUT_PARAMETER} (microseconds) sets a
     *     deadline
     * @throws OipException for every failure, with the kind a client can act on
     */
    InferResult infer(
            Principal principal,
            String model,
            String version,
            List<InferTensor> inputs,
            List<String> requestedOutputs,
            Map<String, Object> parameters) {
        CallOptions options = options(parameters);
        return call(
                principal,
                model,
                session -> {
                    ModelRef ref = ref(model, version);
                    Endpoint endpoint = session.endpoint(ref.toString());
                    ModelCard card = endpoint.card();
                    List<InferTensor> ordered = order(card, inputs);
                    try (NDManager call = manager(card.engine()).newSubManager()) {
                        NDList in = new NDList(ordered.size());
                        for (int i = 0; i < ordered.size(); i++) {
                            in.add(toArray(call, ordered.get(i)));
                        }
                        NDList out = endpoint.predict(in, options);
                        List<InferTensor> outputs = new ArrayList<>(out.size());
                        for (int i = 0; i < out.size(); i++) {
                            outputs.add(fromArray(outputName(card, out.get(i), i), out.get(i)));
                        }
                        return new InferResult(
                                card.name(),
                                Integer.toString(card.version()),
                                select(outputs, requestedOutputs));
                    }
                });
    }

    @Override
    public void close() {
        synchronized (managerLock) {
            closed = true;
            managers.values().forEach(NDManager::close);
            managers.clear();
        }
    }

    // ---- references, sessions and errors ----

    /** Parses the path's model and version: digits are a version, anything else an alias. */
    static ModelRef ref(String model, String version) {
        try {
            ModelRef.checkName(model, "model name");
            if (version == null) {
                return ModelRef.latest(model);
            }
            if (VERSION.matcher(version).matches()) {
                return ModelRef.of(model, Integer.parseInt(version));
            }
            return ModelRef.alias(model, version);
        } catch (IllegalArgumentException e) {
            throw OipException.badRequest(e.getMessage());
        }
    }

    /** An operation run as a principal's session. */
    @FunctionalInterface
    interface SessionCall<T> {
        T run(ModelSession session);
    }

    /** Runs {@code body} as {@code principal} on {@code model}, turning failures into kinds. */
    <T> T call(Principal principal, String model, SessionCall<T> body) {
        ModelSession session;
        try {
            session = maas.as(principal);
        } catch (IllegalStateException e) {
            throw new OipException(OipException.Kind.UNAVAILABLE, "the model service is closed");
        }
        try {
            if (Authenticator.isAnonymous(principal) && !publiclyVisible(session, model)) {
                throw notFound(model);
            }
            return body.run(session);
        } catch (OipException e) {
            throw e;
        } catch (ModelNotFoundException e) {
            if (visible(session, principal, model)) {
                throw new OipException(OipException.Kind.NOT_FOUND, e.getMessage(), e);
            }
            throw notFound(model);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** The one message for a model that is missing or that the caller may not see. */
    static OipException notFound(String model) {
        return OipException.notFound("model '" + model + "' not found");
    }

    private static boolean publiclyVisible(ModelSession session, String model) {
        try {
            ModelRef.checkName(model, "model name");
            return session.resolve(ModelRef.latest(model)).visibility() == Visibility.PUBLIC;
        } catch (IllegalArgumentException e) {
            throw OipException.badRequest(e.getMessage());
        } catch (MaasException e) {
            return false;
        }
    }

    private static boolean visible(ModelSession session, Principal principal, String model) {
        try {
            return session.models().contains(model)
                    && (!Authenticator.isAnonymous(principal) || publiclyVisible(session, model));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Maps the exceptions of maas-core to the kinds of the protocol. */
    static OipException translate(RuntimeException e) {
        if (e instanceof OipException o) {
            return o;
        }
        if (e instanceof InvalidInputException) {
            return new OipException(OipException.Kind.BAD_REQUEST, e.getMessage(), e);
        }
        if (e instanceof AccessDeniedException) {
            return new OipException(OipException.Kind.FORBIDDEN, e.getMessage(), e);
        }
        if (e instanceof QuotaExceededException || e instanceof OverloadedException) {
            return new OipException(OipException.Kind.OVERLOADED, e.getMessage(), e);
        }
        if (e instanceof DeadlineExceededException) {
            return new OipException(OipException.Kind.DEADLINE, e.getMessage(), e);
        }
        if (e instanceof EngineUnavailableException || e instanceof MalformedModelException) {
            return new OipException(OipException.Kind.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof ModelNotFoundException) {
            return new OipException(OipException.Kind.NOT_FOUND, e.getMessage(), e);
        }
        if (e instanceof IllegalStateException) {
            return new OipException(OipException.Kind.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof IllegalArgumentException) {
            return new OipException(OipException.Kind.BAD_REQUEST, e.getMessage(), e);
        }
        if (e instanceof MaasException) {
            return new OipException(OipException.Kind.INTERNAL, e.getMessage(), e);
        }
        return new OipException(OipException.Kind.INTERNAL, "internal error: " + e, e);
    }

    private static CallOptions options(Map<String, Object> parameters) {
        Object timeout = parameters == null ? null : parameters.get(TIMEOUT_PARAMETER);
        if (timeout == null) {
            return CallOptions.NONE;
        }
        long micros;
        if (timeout instanceof Number n
                && n.doubleValue() == Math.rint(n.doubleValue())
                && n.doubleValue() > 0
                && n.doubleValue() < 1e15) {
            micros = n.longValue();
        } else {
            throw OipException.badRequest(
                    "parameter '"
                            + TIMEOUT_PARAMETER
                            + "' must be a positive whole number of microseconds, was "
                            + timeout);
        }
        return new CallOptions(null, Duration.ofNanos(micros * 1000));
    }

    // ---- tensors ----

    private NDManager manager(String engine) {
        synchronized (managerLock) {
            if (closed) {
                throw new OipException(OipException.Kind.UNAVAILABLE, "the server is closed");
            }
            String key = engine == null ? "" : engine;
            NDManager m = managers.get(key);
            if (m == null) {
                m =
                        engine != null && ai.djl.engine.Engine.hasEngine(engine)
                                ? ai.djl.engine.Engine.getEngine(engine).newBaseManager()
                                : NDManager.newBaseManager();
                managers.put(key, m);
            }
            return m;
        }
    }

    private static String platform(ModelCard card) {
        String engine = card.engine() == null ? "unknown" : card.engine();
        String format = card.format() == null ? "unknown" : card.format();
        return (engine + "_" + format).toLowerCase(Locale.ROOT);
    }

    private static List<TensorMetadata> metadata(List<TensorSpec> specs) {
        List<TensorMetadata> out = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec s = specs.get(i);
            String name = s.name().isEmpty() ? "input_" + i : s.name();
            out.add(new TensorMetadata(name, OipDatatype.of(s.dataType()), s.shape().getShape()));
        }
        return out;
    }

    /**
     * Orders the inputs as the signature lists them, checking names and datatypes; shapes are
     * checked by the endpoint, whose message states the signature.
     */
    static List<InferTensor> order(ModelCard card, List<InferTensor> inputs) {
        List<TensorSpec> specs = card.inputs();
        Set<String> seen = new HashSet<>();
        for (InferTensor t : inputs) {
            if (!seen.add(t.name())) {
                throw OipException.badRequest("input '" + t.name() + "' is given twice");
            }
        }
        if (specs.isEmpty()) {
            return inputs; // no signature: the engine decides
        }
        boolean named = specs.stream().noneMatch(s -> s.name().isEmpty());
        List<InferTensor> ordered = new ArrayList<>(specs.size());
        if (named) {
            Map<String, InferTensor> byName = new HashMap<>();
            inputs.forEach(t -> byName.put(t.name(), t));
            for (TensorSpec s : specs) {
                InferTensor t = byName.remove(s.name());
                if (t == null) {
                    throw OipException.badRequest(
                            "missing input '"
                                    + s.name()
                                    + "' of model "
                                    + card.ref()
                                    + ": expected inputs "
                                    + describe(specs));
                }
                ordered.add(t);
            }
            if (!byName.isEmpty()) {
                throw OipException.badRequest(
                        "model "
                                + card.ref()
                                + " has no input named "
                                + byName.keySet().stream().sorted().toList()
                                + ": expected inputs "
                                + describe(specs));
            }
        } else {
            if (inputs.size() != specs.size()) {
                throw OipException.badRequest(
                        "model "
                                + card.ref()
                                + " takes "
                                + specs.size()
                                + " inputs, got "
                                + inputs.size()
                                + ": expected inputs "
                                + describe(specs));
            }
            ordered.addAll(inputs);
        }
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec s = specs.get(i);
            InferTensor t = ordered.get(i);
            if (t.datatype().djl() != s.dataType()) {
                throw OipException.badRequest(
                        "input '"
                                + t.name()
                                + "' of model "
                                + card.ref()
                                + " has datatype "
                                + t.datatype()
                                + ", expected "
                                + OipDatatype.of(s.dataType())
                                + " (signature "
                                + describe(specs)
                                + ")");
            }
            if (!s.matchesShape(new Shape(t.shape()))) {
                throw OipException.badRequest(
                        "input '"
                                + t.name()
                                + "' of model "
                                + card.ref()
                                + " has shape "
                                + Arrays.toString(t.shape())
                                + ", expected "
                                + Arrays.toString(s.shape().getShape())
                                + " (-1: any size; signature "
                                + describe(specs)
                                + ")");
            }
        }
        return ordered;
    }

    private static String describe(List<TensorSpec> specs) {
        List<String> parts = new ArrayList<>();
        for (TensorSpec s : specs) {
            parts.add(
                    (s.name().isEmpty() ? "" : s.name() + ": ")
                            + OipDatatype.of(s.dataType())
                            + " "
                            + Arrays.toString(s.shape().getShape()));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static NDArray toArray(NDManager manager, InferTensor t) {
        if (t.datatype() == OipDatatype.BYTES) {
            throw OipException.badRequest(
                    "input '"
                            + t.name()
                            + "' is BYTES: models served here take numeric and BOOL tensors only");
        }
        ByteBuffer data = ByteBuffer.wrap(t.rawView()).order(ByteOrder.LITTLE_ENDIAN);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            data = swap(data, t.datatype().size());
        }
        NDArray a;
        try {
            a = manager.create(direct(data), new Shape(t.shape()), t.datatype().djl());
        } catch (UnsupportedOperationException e) {
            throw OipException.badRequest(
                    "input '"
                            + t.name()
                            + "' is "
                            + t.datatype()
                            + ", which engine "
                            + manager.getEngine().getEngineName()
                            + " cannot hold: "
                            + e.getMessage());
        }
        a.setName(t.name());
        return a;
    }

    /**
     * Returns the data in a direct buffer: some engines copy heap buffers by element type, and
     * their copy of 16-bit floats fails (ONNX Runtime's), while a direct buffer is taken as is.
     */
    private static ByteBuffer direct(ByteBuffer data) {
        ByteBuffer d = ByteBuffer.allocateDirect(data.remaining()).order(data.order());
        d.put(data.duplicate()).flip();
        return d;
    }

    private static InferTensor fromArray(String name, NDArray a) {
        OipDatatype type = OipDatatype.of(a.getDataType());
        ByteBuffer data = a.toByteBuffer();
        if (data.order() != ByteOrder.LITTLE_ENDIAN && type.size() > 1) {
            data = swap(data, type.size());
        }
        byte[] raw = new byte[data.remaining()];
        data.duplicate().get(raw);
        return new InferTensor(name, type, a.getShape().getShape(), raw);
    }

    private static ByteBuffer swap(ByteBuffer in, int size) {
        ByteBuffer src = in.duplicate();
        byte[] out = new byte[src.remaining()];
        src.get(out);
        for (int at = 0; at + size <= out.length; at += size) {
            for (int i = 0; i < size / 2; i++) {
                byte b = out[at + i];
                out[at + i] = out[at + size - 1 - i];
                out[at + size - 1 - i] = b;
            }
        }
        return ByteBuffer.wrap(out).order(ByteOrder.nativeOrder());
    }

    private static String outputName(ModelCard card, NDArray a, int i) {
        if (i < card.outputs().size() && !card.outputs().get(i).name().isEmpty()) {
            return card.outputs().get(i).name();
        }
        String name = a.getName();
        return name == null || name.isEmpty() ? "output_" + i : name;
    }

    private static List<InferTensor> select(List<InferTensor> outputs, List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            return outputs;
        }
        Map<String, InferTensor> byName = new HashMap<>();
        outputs.forEach(t -> byName.put(t.name(), t));
        List<InferTensor> out = new ArrayList<>(requested.size());
        for (String name : requested) {
            InferTensor t = byName.get(name);
            if (t == null) {
                throw OipException.badRequest(
                        "requested output '"
                                + name
                                + "' does not exist: the model's outputs are "
                                + byName.keySet().stream().sorted().toList());
            }
            out.add(t);
        }
        return out;
    }
}
