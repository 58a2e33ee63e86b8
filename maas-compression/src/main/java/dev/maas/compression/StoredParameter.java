package dev.maas.compression;

import dev.maas.recommend.train.StoredTensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** How one parameter of a compressed block is stored. Immutable. */
sealed interface StoredParameter {
    /** The parameter's full name, as {@code Block.getParameters()} names it. */
    String name();

    /** The parameter's shape. */
    long[] shape();

    /** Returns the bytes it takes in the file (data, scales, masks). */
    long bytes();

    /** Returns the dense values, row-major. */
    float[] decode();

    /** Returns the file's tensors for this parameter. */
    Map<String, TensorFile.Raw> tensors();

    /** Returns what the file's metadata says of it. */
    String kind();

    static int rows(long[] shape) {
        return shape.length == 0 ? 1 : (int) shape[0];
    }

    static int cols(long[] shape) {
        int c = 1;
        for (int i = 1; i < shape.length; i++) {
            c = Math.multiplyExact(c, (int) shape[i]);
        }
        return c;
    }

    static long bytes(StoredTensor t) {
        return t.storedBytes();
    }

    static void put(Map<String, TensorFile.Raw> out, String name, StoredTensor t, long[] shape) {
        out.put(name, new TensorFile.Raw(t.dtype().name(), shape, t.data()));
        if (t.scale() != null) {
            out.put(
                    name + ".scale",
                    new TensorFile.Raw(
                            "F32", new long[] {t.scale().length}, TensorFile.floats(t.scale())));
        }
        if (t.zeroPoint() != null) {
            out.put(
                    name + ".zero_point",
                    new TensorFile.Raw(
                            "F32",
                            new long[] {t.zeroPoint().length},
                            TensorFile.floats(t.zeroPoint())));
        }
    }

    static StoredTensor get(Map<String, TensorFile.Raw> in, String name) {
        TensorFile.Raw raw = in.get(name);
        if (raw == null) {
            throw new dev.maas.MalformedModelException("compressed parameters lack tensor " + name);
        }
        TensorFile.Raw scale = in.get(name + ".scale");
        TensorFile.Raw zero = in.get(name + ".zero_point");
        return new StoredTensor(
                StoredTensor.DType.valueOf(raw.dtype()),
                raw.data(),
                scale == null ? null : TensorFile.floats(scale.data()),
                zero == null ? null : TensorFile.floats(zero.data()));
    }

    /** A dense tensor, in float32 or quantized. */
    record Dense(String name, long[] shape, StoredTensor values) implements StoredParameter {
        @Override
        public long bytes() {
            return values.storedBytes();
        }

        @Override
        public float[] decode() {
            return values.decode(rows(shape), cols(shape));
        }

        @Override
        public Map<String, TensorFile.Raw> tensors() {
            Map<String, TensorFile.Raw> m = new LinkedHashMap<>();
            put(m, name, values, shape);
            return m;
        }

        @Override
        public String kind() {
            return "dense";
        }
    }

    /**
     * A sparse tensor: a bit mask of the kept elements (bit {@code i % 8} of byte {@code i / 8}),
     * and the kept values in order.
     */
    record Masked(String name, long[] shape, byte[] mask, int kept, StoredTensor values)
            implements StoredParameter {
        @Override
        public long bytes() {
            return mask.length + values.storedBytes();
        }

        @Override
        public float[] decode() {
            float[] v = values.decode(1, kept);
            float[] out = new float[rows(shape) * cols(shape)];
            int k = 0;
            for (int i = 0; i < out.length; i++) {
                if ((mask[i >>> 3] & (1 << (i & 7))) != 0) {
                    out[i] = v[k++];
                }
            }
            return out;
        }

        boolean keeps(int i) {
            return (mask[i >>> 3] & (1 << (i & 7))) != 0;
        }

        @Override
        public Map<String, TensorFile.Raw> tensors() {
            Map<String, TensorFile.Raw> m = new LinkedHashMap<>();
            m.put(name + ".mask", new TensorFile.Raw("U8", new long[] {mask.length}, mask));
            put(m, name + ".values", values, new long[] {kept});
            return m;
        }

        @Override
        public String kind() {
            return "masked";
        }

        static byte[] mask(boolean[] keep) {
            byte[] m = new byte[(keep.length + 7) / 8];
            for (int i = 0; i < keep.length; i++) {
                if (keep[i]) {
                    m[i >>> 3] |= (byte) (1 << (i & 7));
                }
            }
            return m;
        }

        static float[] kept(float[] dense, boolean[] keep) {
            int n = 0;
            for (boolean b : keep) {
                n += b ? 1 : 0;
            }
            float[] v = new float[n];
            int k = 0;
            for (int i = 0; i < dense.length; i++) {
                if (keep[i]) {
                    v[k++] = dense[i];
                }
            }
            return v;
        }
    }

    /** A {@code rows x cols} matrix stored as {@code u (rows x r) · v (r x cols)}. */
    record Factored(String name, long[] shape, int rank, StoredTensor u, StoredTensor v)
            implements StoredParameter {
        @Override
        public long bytes() {
            return u.storedBytes() + v.storedBytes();
        }

        @Override
        public float[] decode() {
            int rows = rows(shape);
            int cols = cols(shape);
            float[] a = u.decode(rows, rank);
            float[] b = v.decode(rank, cols);
            float[] out = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < rank; k++) {
                    float x = a[r * rank + k];
                    for (int c = 0; c < cols; c++) {
                        out[r * cols + c] += x * b[k * cols + c];
                    }
                }
            }
            return out;
        }

        @Override
        public Map<String, TensorFile.Raw> tensors() {
            Map<String, TensorFile.Raw> m = new LinkedHashMap<>();
            put(m, name + ".u", u, new long[] {rows(shape), rank});
            put(m, name + ".v", v, new long[] {rank, cols(shape)});
            return m;
        }

        @Override
        public String kind() {
            return "factored:" + rank;
        }
    }

    static String shapeText(long[] shape) {
        return String.join(
                ",", Arrays.stream(shape).mapToObj(Long::toString).toArray(String[]::new));
    }

    static long[] parseShape(String text) {
        return text.isEmpty()
                ? new long[0]
                : Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
    }
}
