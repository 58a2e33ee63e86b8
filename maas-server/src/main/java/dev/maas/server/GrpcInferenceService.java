package dev.maas.server;

import com.google.protobuf.ByteString;
import dev.maas.access.Principal;
import inference.GRPCInferenceServiceGrpc;
import inference.InferParameter;
import inference.ModelInferRequest;
import inference.ModelInferResponse;
import inference.ModelMetadataRequest;
import inference.ModelMetadataResponse;
import inference.ModelReadyRequest;
import inference.ModelReadyResponse;
import inference.ServerLiveRequest;
import inference.ServerLiveResponse;
import inference.ServerMetadataRequest;
import inference.ServerMetadataResponse;
import inference.ServerReadyRequest;
import inference.ServerReadyResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inference.GRPCInferenceService}: the Open Inference Protocol v2 over gRPC, on the same
 * {@link OipInference} as the REST routes, so both transports give the same results and the same
 * errors.
 *
 * <p>The caller is the principal {@link GrpcAuthInterceptor} put in the call's context. Tensor data
 * arrives either typed ({@code contents}) or raw ({@code raw_input_contents}); the answer uses the
 * form the request used, and raw whenever an output is FP16 or BF16, which have no typed form. A
 * deadline set by the client becomes the call's deadline unless the request's {@code timeout}
 * parameter sets one.
 *
 * <p>Failures are {@link OipException} kinds mapped to status codes ({@link #status}); anything
 * unexpected is logged and answered {@code INTERNAL} without details. Thread-safe.
 */
final class GrpcInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(GrpcInferenceService.class);

    private final OipInference oip;

    GrpcInferenceService(OipInference oip) {
        this.oip = Objects.requireNonNull(oip, "oip");
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        answer(
                out,
                () -> ServerReadyResponse.newBuilder().setReady(oip.readiness().ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        answer(
                out,
                () ->
                        ModelReadyResponse.newBuilder()
                                .setReady(
                                        oip.modelReady(
                                                principal(),
                                                request.getName(),
                                                versionOrNull(request.getVersion())))
                                .build());
    }

    @Override
    public void serverMetadata(
            ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        answer(
                out,
                () -> {
                    OipInference.ServerMetadata m = oip.serverMetadata();
                    return ServerMetadataResponse.newBuilder()
                            .setName(m.name())
                            .setVersion(m.version())
                            .addAllExtensions(m.extensions())
                            .build();
                });
    }

    @Override
    public void modelMetadata(
            ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        answer(
                out,
                () -> {
                    OipInference.ModelMetadata m =
                            oip.modelMetadata(
                                    principal(),
                                    request.getName(),
                                    versionOrNull(request.getVersion()));
                    ModelMetadataResponse.Builder b =
                            ModelMetadataResponse.newBuilder()
                                    .setName(m.name())
                                    .addAllVersions(m.versions())
                                    .setPlatform(m.platform());
                    m.inputs().forEach(t -> b.addInputs(metadata(t)));
                    m.outputs().forEach(t -> b.addOutputs(metadata(t)));
                    return b.build();
                });
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        answer(out, () -> infer(request));
    }

    private ModelInferResponse infer(ModelInferRequest request) {
        boolean raw = request.getRawInputContentsCount() > 0;
        List<InferTensor> inputs = inputs(request, raw);
        List<String> requested = new ArrayList<>(request.getOutputsCount());
        request.getOutputsList().forEach(o -> requested.add(o.getName()));
        Map<String, Object> parameters = parameters(request.getParametersMap());
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && !parameters.containsKey(OipInference.TIMEOUT_PARAMETER)) {
            long micros = Math.max(1, deadline.timeRemaining(TimeUnit.MICROSECONDS));
            parameters.put(OipInference.TIMEOUT_PARAMETER, micros);
        }

        OipInference.InferResult result =
                oip.infer(
                        principal(),
                        request.getModelName(),
                        versionOrNull(request.getModelVersion()),
                        inputs,
                        requested,
                        parameters);

        boolean rawOut = raw;
        for (InferTensor t : result.outputs()) {
            rawOut |= !GrpcContents.hasTypedContents(t.datatype());
        }
        ModelInferResponse.Builder response =
                ModelInferResponse.newBuilder()
                        .setModelName(result.model())
                        .setModelVersion(result.version())
                        .setId(request.getId());
        for (InferTensor t : result.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder o =
                    response.addOutputsBuilder()
                            .setName(t.name())
                            .setDatatype(t.datatype().wireName());
            for (long d : t.shape()) {
                o.addShape(d);
            }
            if (rawOut) {
                response.addRawOutputContents(ByteString.copyFrom(t.rawView()));
            } else {
                o.setContents(GrpcContents.toContents(t.datatype(), t.rawView()));
            }
        }
        return response.build();
    }

    /** Reads the request's inputs, typed or raw, into tensors; checks what the protocol demands. */
    private static List<InferTensor> inputs(ModelInferRequest request, boolean raw) {
        try {
            return readInputs(request, raw);
        } catch (ArithmeticException e) {
            throw OipException.badRequest(
                    "an input's shape has more elements than a tensor can hold");
        }
    }

    private static List<InferTensor> readInputs(ModelInferRequest request, boolean raw) {
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw OipException.badRequest(
                    "raw_input_contents has "
                            + request.getRawInputContentsCount()
                            + " entries; expected one per input ("
                            + request.getInputsCount()
                            + ")");
        }
        List<InferTensor> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            String name = in.getName();
            OipDatatype type = OipDatatype.parse(in.getDatatype());
            long[] shape = new long[in.getShapeCount()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.getShape(d);
            }
            byte[] data;
            if (raw) {
                if (in.hasContents() && !GrpcContents.isEmpty(in.getContents())) {
                    throw OipException.badRequest(
                            "input '"
                                    + name
                                    + "' has typed contents although raw_input_contents is used;"
                                    + " a request uses one form for all its inputs");
                }
                data = request.getRawInputContents(i).toByteArray();
            } else {
                long count = InferTensor.elementCount(name, shape);
                if (count > Integer.MAX_VALUE) {
                    throw OipException.badRequest(
                            "input '" + name + "' has " + count + " elements; too many");
                }
                data = GrpcContents.toRaw(name, type, (int) count, in.getContents());
            }
            inputs.add(new InferTensor(name, type, shape, data));
        }
        return inputs;
    }

    private static Map<String, Object> parameters(Map<String, InferParameter> in) {
        Map<String, Object> out = new HashMap<>();
        in.forEach(
                (k, v) -> {
                    Object value =
                            switch (v.getParameterChoiceCase()) {
                                case BOOL_PARAM -> v.getBoolParam();
                                case INT64_PARAM -> v.getInt64Param();
                                case STRING_PARAM -> v.getStringParam();
                                case DOUBLE_PARAM -> v.getDoubleParam();
                                case UINT64_PARAM ->
                                        v.getUint64Param() >= 0
                                                ? (Object) v.getUint64Param()
                                                : new BigInteger(
                                                        Long.toUnsignedString(v.getUint64Param()));
                                case PARAMETERCHOICE_NOT_SET -> null;
                            };
                    if (value != null) {
                        out.put(k, value);
                    }
                });
        return out;
    }

    private static ModelMetadataResponse.TensorMetadata metadata(OipInference.TensorMetadata t) {
        ModelMetadataResponse.TensorMetadata.Builder b =
                ModelMetadataResponse.TensorMetadata.newBuilder()
                        .setName(t.name())
                        .setDatatype(t.datatype().wireName());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    private static String versionOrNull(String version) {
        return version == null || version.isEmpty() ? null : version;
    }

    private static Principal principal() {
        Principal p = GrpcAuthInterceptor.PRINCIPAL.get();
        if (p == null) {
            throw new IllegalStateException("no principal: the call bypassed authentication");
        }
        return p;
    }

    /** Answers with {@code body}'s result, or with the status its failure maps to. */
    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            out.onError(status(e).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    /** Maps a failure to the status the client sees. */
    static Status status(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        if (e instanceof OipException o) {
            Status code =
                    switch (o.kind()) {
                        case BAD_REQUEST -> Status.INVALID_ARGUMENT;
                        case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
                        case FORBIDDEN -> Status.PERMISSION_DENIED;
                        case NOT_FOUND -> Status.NOT_FOUND;
                        case TOO_LARGE, OVERLOADED -> Status.RESOURCE_EXHAUSTED;
                        case INTERNAL -> Status.INTERNAL;
                        case UNAVAILABLE -> Status.UNAVAILABLE;
                        case DEADLINE -> Status.DEADLINE_EXCEEDED;
                    };
            if (o.kind() == OipException.Kind.INTERNAL) {
                log.warn("gRPC call failed", o);
            }
            return code.withDescription(o.getMessage());
        }
        log.error("gRPC call failed unexpectedly", e);
        return Status.INTERNAL.withDescription("internal error");
    }
}
