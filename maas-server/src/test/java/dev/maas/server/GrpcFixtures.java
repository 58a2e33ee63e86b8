package dev.maas.server;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import dev.maas.testing.DenseModel;
import dev.maas.testing.OnnxModelWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Real models for the gRPC tests, written as ONNX graphs and published to a file repository: a
 * dense layer {@code relu(x · W + b)} (FP32, real arithmetic) and, for each datatype, an {@code
 * Identity} graph that echoes its input, so every datatype travels through a real engine.
 */
final class GrpcFixtures {
    static final int IN = 4;
    static final int OUT = 3;

    /** The datatypes ONNX Runtime serves through maas, with ONNX's element type numbers. */
    enum Echo {
        BOOL(9, DataType.BOOLEAN),
        UINT8(2, DataType.UINT8),
        UINT16(4, DataType.UINT16),
        UINT32(12, DataType.UINT32),
        UINT64(13, DataType.UINT64),
        INT8(3, DataType.INT8),
        INT16(5, DataType.INT16),
        INT32(6, DataType.INT32),
        INT64(7, DataType.INT64),
        FP16(10, DataType.FLOAT16),
        FP32(1, DataType.FLOAT32),
        FP64(11, DataType.FLOAT64),
        BF16(16, DataType.BFLOAT16);

        final int onnx;
        final DataType djl;

        Echo(int onnx, DataType djl) {
            this.onnx = onnx;
            this.djl = djl;
        }

        String model() {
            return "echo-" + name().toLowerCase();
        }
    }

    /** A model whose signature takes BYTES (ONNX strings): the engines here take no strings. */
    static final String ECHO_BYTES = "echo-bytes";

    private GrpcFixtures() {}

    static DenseModel dense() {
        return DenseModel.random(IN, OUT, 2026);
    }

    /**
     * Publishes {@code dense}, one echo model per datatype and {@link #ECHO_BYTES}, all public;
     * {@code dense} gets the alias {@code production}.
     */
    static void publish(ModelService maas, Path work) {
        Path artifacts = work.resolve("dense-artifacts");
        dense().writeOnnx(artifacts.resolve("dense.onnx"));
        maas.publish(ModelPackage.of(denseCard("dense", Visibility.PUBLIC), artifacts));
        maas.setAlias("dense", "production", 1);
        for (Echo e : Echo.values()) {
            Path dir = work.resolve(e.model());
            OnnxModelWriter.graph(e.model())
                    .input("x", e.onnx, "N", 3)
                    .node("Identity", List.of("x"), List.of("y"))
                    .output("y", e.onnx, "N", 3)
                    .write(dir.resolve("echo.onnx"));
            maas.publish(
                    ModelPackage.of(
                            ModelCard.builder(e.model())
                                    .engine("OnnxRuntime")
                                    .format("onnx")
                                    .visibility(Visibility.PUBLIC)
                                    .inputs(TensorSpec.of("x", e.djl, -1, 3))
                                    .outputs(TensorSpec.of("y", e.djl, -1, 3))
                                    .build(),
                            dir));
        }
        Path dir = work.resolve(ECHO_BYTES);
        OnnxModelWriter.graph(ECHO_BYTES)
                .input("x", 8, "N", 3)
                .node("Identity", List.of("x"), List.of("y"))
                .output("y", 8, "N", 3)
                .write(dir.resolve("echo.onnx"));
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder(ECHO_BYTES)
                                .engine("OnnxRuntime")
                                .format("onnx")
                                .inputs(TensorSpec.of("x", DataType.STRING, -1, 3))
                                .outputs(TensorSpec.of("y", DataType.STRING, -1, 3))
                                .build(),
                        dir));
    }

    static ModelCard denseCard(String name, Visibility visibility) {
        return ModelCard.builder(name)
                .engine("OnnxRuntime")
                .format("onnx")
                .visibility(visibility)
                .inputs(TensorSpec.of(DenseModel.INPUT, DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of(DenseModel.OUTPUT, DataType.FLOAT32, -1, OUT))
                .build();
    }

    /** Returns {@code rows} x 3 elements of {@code type} as raw little-endian bytes, seeded. */
    static byte[] randomRaw(Echo type, int rows, long seed) {
        Random random = new Random(seed);
        int n = rows * 3;
        int size = OipDatatype.valueOf(type.name()).size();
        ByteBuffer b = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case BOOL -> b.put((byte) (random.nextBoolean() ? 1 : 0));
                case FP32 -> b.putFloat((float) random.nextGaussian());
                case FP64 -> b.putDouble(random.nextGaussian());
                case FP16 ->
                        b.putShort( // finite halves: exponent below all-ones
                                (short)
                                        ((random.nextBoolean() ? 0x8000 : 0)
                                                | random.nextInt(0x7c00)));
                case BF16 ->
                        b.putShort(
                                (short)
                                        (Float.floatToRawIntBits((float) random.nextGaussian())
                                                >>> 16));
                default -> {
                    byte[] bytes = new byte[size];
                    random.nextBytes(bytes);
                    b.put(bytes);
                }
            }
        }
        return b.array();
    }
}
