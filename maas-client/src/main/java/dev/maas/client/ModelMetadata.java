package dev.maas.client;

import java.util.Arrays;
import java.util.List;

/**
 * What a server says of a model (or one version of it).
 *
 * @param name the model's name
 * @param versions its versions, or the one version asked for
 * @param platform its engine and format, such as {@code onnxruntime_onnx}
 * @param inputs its input signature
 * @param outputs its output signature
 */
public record ModelMetadata(
        String name,
        List<String> versions,
        String platform,
        List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {
    /** Copies the lists. */
    public ModelMetadata {
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One tensor of a signature.
     *
     * @param name its name
     * @param datatype its datatype
     * @param shape its shape, {@code -1} for a dimension of any size
     */
    public record TensorMetadata(String name, Datatype datatype, long[] shape) {
        /** Copies the shape. */
        public TensorMetadata {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorMetadata t
                    && name.equals(t.name)
                    && datatype == t.datatype
                    && Arrays.equals(shape, t.shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape) + datatype.hashCode();
        }

        @Override
        public String toString() {
            return name + ": " + datatype + " " + Arrays.toString(shape);
        }
    }
}
