package dev.maas;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * One tensor of a model's signature: a name, a data type and a shape in which {@code -1} stands for
 * any size (typically the batch dimension). Immutable and thread-safe.
 *
 * @param name the tensor's name (for engines that match inputs by name); may be empty
 * @param dataType the element type
 * @param shape the shape, {@code -1} for a dimension of any size
 */
public record TensorSpec(String name, DataType dataType, Shape shape) {
    /** Validates the parts. */
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        Objects.requireNonNull(shape, "shape");
        for (long d : shape.getShape()) {
            if (d < -1) {
                throw new IllegalArgumentException("dimension must be >= -1, was " + shape);
            }
        }
    }

    /** Returns a spec of {@code dataType} with the given dimensions ({@code -1} for any). */
    public static TensorSpec of(String name, DataType dataType, long... dims) {
        return new TensorSpec(name, dataType, new Shape(dims));
    }

    /** Returns whether {@code array} has this spec's data type and a matching shape. */
    public boolean matches(NDArray array) {
        return array.getDataType() == dataType && matchesShape(array.getShape());
    }

    /** Returns whether {@code actual} has this spec's rank and fixed dimensions. */
    public boolean matchesShape(Shape actual) {
        if (actual.dimension() != shape.dimension()) {
            return false;
        }
        for (int i = 0; i < shape.dimension(); i++) {
            long want = shape.get(i);
            if (want != -1 && want != actual.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Returns the form used in messages, such as {@code x: float32 (-1, 4)}. */
    @Override
    public String toString() {
        return (name.isEmpty() ? "" : name + ": ") + dataType.name().toLowerCase() + " " + shape;
    }
}
