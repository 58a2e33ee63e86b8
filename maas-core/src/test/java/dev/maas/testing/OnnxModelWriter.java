package dev.maas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes small ONNX graphs as real ONNX protobuf files, encoded by hand (no protobuf dependency): a
 * {@code ModelProto} with IR version, opset import and a {@code GraphProto} holding nodes,
 * initializers and typed inputs/outputs whose dimensions may be symbolic.
 *
 * <pre>{@code
 * OnnxModelWriter.graph("dense")
 *         .input("x", OnnxModelWriter.FLOAT, "N", 4)
 *         .initializer("W", new long[] {4, 3}, weights)
 *         .node("MatMul", List.of("x", "W"), List.of("y"))
 *         .output("y", OnnxModelWriter.FLOAT, "N", 3)
 *         .write(dir.resolve("dense.onnx"));
 * }</pre>
 *
 * <p>Field numbers follow {@code onnx.proto} (ONNX 1.x). Not thread-safe.
 */
public final class OnnxModelWriter {
    /** {@code TensorProto.DataType.FLOAT}. */
    public static final int FLOAT = 1;

    /** {@code TensorProto.DataType.INT32}. */
    public static final int INT32 = 6;

    /** {@code TensorProto.DataType.INT64}. */
    public static final int INT64 = 7;

    /** The IR version written; ONNX Runtime 1.21 reads up to 10. */
    public static final long IR_VERSION = 8;

    /** The default-domain opset imported. */
    public static final long OPSET = 17;

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();

    private OnnxModelWriter(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Starts a graph named {@code name}. */
    public static OnnxModelWriter graph(String name) {
        return new OnnxModelWriter(name);
    }

    /**
     * Declares a graph input.
     *
     * @param dims each a {@link Number} (fixed size) or a {@link String} (symbolic, such as "N")
     */
    public OnnxModelWriter input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /** Declares a graph output, see {@link #input}. */
    public OnnxModelWriter output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /** Adds a float constant stored as {@code raw_data} (little-endian bytes). */
    public OnnxModelWriter initializer(String name, long[] dims, float[] values) {
        checkSize(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        initializers.add(tensorHeader(name, dims, FLOAT).bytes(9, raw.array()));
        return this;
    }

    /** Adds a float constant stored as packed {@code float_data}. */
    public OnnxModelWriter floatDataInitializer(String name, long[] dims, float[] values) {
        checkSize(name, dims, values.length);
        initializers.add(tensorHeader(name, dims, FLOAT).packedFloats(4, values));
        return this;
    }

    /** Adds a node of the default domain with no attributes. */
    public OnnxModelWriter node(String opType, List<String> inputs, List<String> outputs) {
        ProtoWriter node = new ProtoWriter();
        for (String in : inputs) {
            node.string(1, in);
        }
        for (String out : outputs) {
            node.string(2, out);
        }
        node.string(3, opType + "_" + nodes.size());
        node.string(4, opType);
        nodes.add(node);
        return this;
    }

    /** Returns the encoded {@code ModelProto}. */
    public byte[] toByteArray() {
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));
        ProtoWriter model = new ProtoWriter();
        model.varint(1, IR_VERSION);
        model.string(2, "maas-tests");
        model.message(7, graph);
        model.message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        return model.toByteArray();
    }

    /** Writes the model to {@code file} and returns it. */
    public Path write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    private static ProtoWriter tensorHeader(String name, long[] dims, int dataType) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, dataType);
        t.string(8, name);
        return t;
    }

    private static ProtoWriter valueInfo(String name, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof Number n) {
                dim.varint(1, n.longValue());
            } else if (d instanceof String s) {
                dim.string(2, s);
            } else {
                throw new IllegalArgumentException("dimension must be a number or a name: " + d);
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        ProtoWriter type = new ProtoWriter().message(1, tensorType);
        return new ProtoWriter().string(1, name).message(2, type);
    }

    private static void checkSize(String name, long[] dims, int length) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != length) {
            throw new IllegalArgumentException(
                    "initializer " + name + " has " + length + " values for " + size + " elements");
        }
    }
}
