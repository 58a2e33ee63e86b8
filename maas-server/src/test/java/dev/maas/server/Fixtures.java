package dev.maas.server;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import dev.maas.testing.DenseModel;
import dev.maas.testing.OnnxModelWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Small real models for the network tests, written as ONNX graphs and served by ONNX Runtime: a
 * dense layer ({@code relu(x · W + b)}) and a graph that passes one input of each datatype ONNX
 * Runtime serves through an Identity node, so every datatype crosses the wire both ways.
 */
final class Fixtures {
    static final int IN = 4;
    static final int OUT = 3;
    static final long SEED = 77;

    /** The datatypes of the "types" model, with ONNX's code for each. */
    record TypeCase(OipDatatype type, int onnxCode) {
        String input() {
            return "x_" + type.name().toLowerCase();
        }

        String output() {
            return "y_" + type.name().toLowerCase();
        }
    }

    static final List<TypeCase> TYPES =
            List.of(
                    new TypeCase(OipDatatype.FP32, 1),
                    new TypeCase(OipDatatype.UINT8, 2),
                    new TypeCase(OipDatatype.INT8, 3),
                    new TypeCase(OipDatatype.INT32, 6),
                    new TypeCase(OipDatatype.INT64, 7),
                    new TypeCase(OipDatatype.BOOL, 9),
                    new TypeCase(OipDatatype.FP16, 10),
                    new TypeCase(OipDatatype.FP64, 11));

    private Fixtures() {}

    /** Writes the dense model's artifacts to {@code dir}. */
    static DenseModel writeDense(Path dir) {
        DenseModel dense = DenseModel.random(IN, OUT, SEED);
        dense.writeOnnx(dir.resolve("dense.onnx"));
        return dense;
    }

    static ModelCard.Builder denseCard(String name, Visibility visibility, String owner) {
        ModelCard.Builder b =
                ModelCard.builder(name)
                        .engine("OnnxRuntime")
                        .format("onnx")
                        .visibility(visibility)
                        .inputs(TensorSpec.of(DenseModel.INPUT, DataType.FLOAT32, -1, IN))
                        .outputs(TensorSpec.of(DenseModel.OUTPUT, DataType.FLOAT32, -1, OUT));
        return owner == null ? b : b.owner(owner);
    }

    /** Publishes the "types" model from {@code dir}. */
    static void publishTypes(ModelService maas, Path dir, String name) {
        OnnxModelWriter g = OnnxModelWriter.graph("types");
        List<TensorSpec> ins = new ArrayList<>();
        List<TensorSpec> outs = new ArrayList<>();
        for (TypeCase t : TYPES) {
            g.input(t.input(), t.onnxCode(), "N", 2)
                    .node("Identity", List.of(t.input()), List.of(t.output()))
                    .output(t.output(), t.onnxCode(), "N", 2);
            ins.add(TensorSpec.of(t.input(), t.type().djl(), -1, 2));
            outs.add(TensorSpec.of(t.output(), t.type().djl(), -1, 2));
        }
        g.write(dir.resolve("types.onnx"));
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name)
                                .engine("OnnxRuntime")
                                .format("onnx")
                                .inputs(ins)
                                .outputs(outs)
                                .build(),
                        dir));
    }
}
