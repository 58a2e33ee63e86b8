package dev.maas.recommend.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import java.util.SplittableRandom;

/** Small helpers shared by the blocks. Stateless. */
final class Embeddings {
    private Embeddings() {}

    /** Rows {@code indices} of {@code table}; gradients flow back into those rows only. */
    static NDArray lookup(NDArray indices, NDArray table) {
        return indices.getNDArrayInternal()
                .embedding(indices, table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /** A trainable parameter of the given shape (values are set by {@link #fill} later). */
    static Parameter parameter(String name, Parameter.Type type, long... shape) {
        return Parameter.builder().setName(name).setType(type).optShape(new Shape(shape)).build();
    }

    /** A fixed (not trained) parameter. */
    static Parameter constant(String name, long... shape) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(shape))
                .optRequiresGrad(false)
                .build();
    }

    /** Gaussian values with standard deviation {@code std}. */
    static float[] gaussian(SplittableRandom random, long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    /** Glorot-uniform values for a {@code fanIn x fanOut} matrix. */
    static float[] glorot(SplittableRandom random, int fanIn, int fanOut) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[] v = new float[fanIn * fanOut];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return v;
    }

    /** Overwrites an initialised parameter's values. */
    static void fill(Parameter p, float[] values) {
        p.getArray().set(values);
    }
}
