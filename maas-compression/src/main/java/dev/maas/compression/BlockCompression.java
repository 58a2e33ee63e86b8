package dev.maas.compression;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.maas.recommend.train.StoredTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compresses the parameters of any initialised DJL {@link Block} (on the PyTorch engine or any
 * other): quantization ({@link #quantize}), magnitude pruning ({@link #prune}) and truncated SVD of
 * linear layers ({@link #lowRank}). Each returns a {@link CompressedBlock}: the stored form of
 * every parameter, which it has already written back into the block (dequantized, with zeros, or as
 * the low-rank product), so the block now computes what the compressed model computes.
 *
 * <p>Layers are named as DJL names them: the path of child names joined with {@code _}, such as
 * {@code 01Linear}; parameters as {@code 01Linear_weight}. Errors name the setting and the layer.
 * Not thread-safe with respect to the block: do not run it while the block is used.
 */
public final class BlockCompression {
    private BlockCompression() {}

    /** A layer of a block that holds parameters: its name, its type and its parameters. */
    record Layer(String name, Block block, List<Pair<String, Parameter>> parameters) {
        String type() {
            return block.getClass().getSimpleName();
        }

        boolean isLinear() {
            return block instanceof Linear;
        }

        boolean isEmbedding() {
            return block instanceof Embedding;
        }

        Parameter weight() {
            for (Pair<String, Parameter> p : parameters) {
                if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                    return p.getValue();
                }
            }
            return null;
        }

        String describe() {
            long[] s = weight() == null ? new long[0] : weight().getArray().getShape().getShape();
            return "'"
                    + name
                    + "' ("
                    + type()
                    + (s.length == 2 ? " " + s[0] + " x " + s[1] : "")
                    + ")";
        }
    }

    /** Lists the layers that hold parameters, in the block's order. */
    static List<Layer> layers(Block block) {
        Objects.requireNonNull(block, "block");
        List<Layer> out = new ArrayList<>();
        collect(block, "", out);
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "the model has no parameters to compress: its block ("
                            + block.getClass().getSimpleName()
                            + ") holds none");
        }
        if (!block.isInitialized()) {
            throw new IllegalArgumentException(
                    "the model's block is not initialised: load or train it before compressing");
        }
        return out;
    }

    private static void collect(Block block, String prefix, List<Layer> out) {
        List<Pair<String, Parameter>> direct = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            direct.add(new Pair<>(prefix + p.getKey(), p.getValue()));
        }
        if (!direct.isEmpty()) {
            String name = prefix.endsWith("_") ? prefix.substring(0, prefix.length() - 1) : prefix;
            out.add(
                    new Layer(
                            name.isEmpty() ? block.getClass().getSimpleName() : name,
                            block,
                            direct));
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), prefix + child.getKey() + "_", out);
        }
    }

    /** Returns the block's parameters as they are, in float32: the baseline of a report. */
    public static CompressedBlock dense(Block block) {
        Map<String, StoredParameter> stored = new LinkedHashMap<>();
        for (Layer l : layers(block)) {
            for (Pair<String, Parameter> p : l.parameters()) {
                stored.put(p.getKey(), dense(p.getKey(), p.getValue().getArray()));
            }
        }
        return new CompressedBlock("none", Map.of(), stored);
    }

    private static StoredParameter dense(String name, NDArray a) {
        return new StoredParameter.Dense(
                name, a.getShape().getShape(), StoredTensor.f32(a.toFloatArray()));
    }

    /**
     * Quantizes the weights of every {@link Linear} and {@link Embedding} layer with {@code q}
     * (int8 per row: one scale per output unit or embedding row); biases stay float32. Float16 and
     * bfloat16 apply to every parameter of every layer.
     *
     * @throws IllegalArgumentException naming the layer if int8 meets a layer with parameters that
     *     is neither linear nor an embedding, or the block has no parameters
     */
    public static CompressedBlock quantize(Block block, Quantization q) {
        Objects.requireNonNull(q, "quantization");
        List<Layer> layers = layers(block);
        boolean int8 = q.type() == Quantization.Type.INT8;
        if (int8) {
            for (Layer l : layers) {
                if (!l.isLinear() && !l.isEmbedding()) {
                    throw new IllegalArgumentException(
                            "quantize setting 'scheme' "
                                    + q.name()
                                    + " cannot handle layer "
                                    + l.describe()
                                    + ": int8 supports Linear and Embedding layers; use float16"
                                    + " or bfloat16 for this model");
                }
            }
        }
        Map<String, StoredParameter> stored = new LinkedHashMap<>();
        for (Layer l : layers) {
            for (Pair<String, Parameter> p : l.parameters()) {
                NDArray a = p.getValue().getArray();
                long[] shape = a.getShape().getShape();
                boolean weight = p.getValue().getType() == Parameter.Type.WEIGHT;
                StoredParameter s =
                        int8 && !weight
                                ? dense(p.getKey(), a)
                                : new StoredParameter.Dense(
                                        p.getKey(),
                                        shape,
                                        q.encode(
                                                a.toFloatArray(),
                                                StoredParameter.rows(shape),
                                                StoredParameter.cols(shape)));
                stored.put(p.getKey(), s);
            }
        }
        CompressedBlock c = new CompressedBlock("quantize", q.settings(), stored);
        c.applyTo(block);
        return c;
    }

    /**
     * Prunes the weights of the {@link Linear} layers by magnitude. Unstructured: in each linear
     * layer the share {@code sparsity} of weights with the smallest magnitude become zero, stored
     * as a bit mask and the kept values. Structured: in each linear layer but the last (whose
     * outputs are the model's), the share {@code sparsity} of output units (neurons) with the
     * smallest weight norm are removed, weights and bias.
     *
     * @throws IllegalArgumentException if the sparsity is outside {@code [0, 1)}, the block has no
     *     linear layer (naming the layers it has) or no parameters
     */
    public static CompressedBlock prune(Block block, double sparsity, boolean structured) {
        Technique.Prune settings = new Technique.Prune(sparsity, structured, 0);
        List<Layer> layers = layers(block);
        List<Layer> linear = layers.stream().filter(Layer::isLinear).toList();
        if (linear.isEmpty()) {
            throw new IllegalArgumentException(
                    "prune found no Linear layer to prune; the layers are "
                            + layers.stream().map(Layer::describe).toList());
        }
        Layer last = linear.get(linear.size() - 1);
        Map<String, StoredParameter> stored = new LinkedHashMap<>();
        for (Layer l : layers) {
            boolean prunable = l.isLinear() && (!structured || l != last);
            if (!prunable) {
                for (Pair<String, Parameter> p : l.parameters()) {
                    stored.put(p.getKey(), dense(p.getKey(), p.getValue().getArray()));
                }
                continue;
            }
            float[] w = l.weight().getArray().toFloatArray();
            long[] shape = l.weight().getArray().getShape().getShape();
            int rows = (int) shape[0];
            int cols = StoredParameter.cols(shape);
            boolean[] keepRow = new boolean[rows];
            boolean[] keep = new boolean[w.length];
            if (structured) {
                double[] norm = new double[rows];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        norm[r] += (double) w[r * cols + c] * w[r * cols + c];
                    }
                }
                int drop = (int) Math.floor(sparsity * rows);
                Integer[] order = order(norm);
                Arrays.fill(keepRow, true);
                for (int i = 0; i < drop; i++) {
                    keepRow[order[i]] = false;
                }
                for (int i = 0; i < w.length; i++) {
                    keep[i] = keepRow[i / cols];
                }
            } else {
                double[] mag = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    mag[i] = Math.abs(w[i]);
                }
                int drop = (int) Math.floor(sparsity * w.length);
                Integer[] order = order(mag);
                Arrays.fill(keep, true);
                for (int i = 0; i < drop; i++) {
                    keep[order[i]] = false;
                }
                Arrays.fill(keepRow, true);
            }
            for (Pair<String, Parameter> p : l.parameters()) {
                float[] v = p.getValue().getArray().toFloatArray();
                long[] s = p.getValue().getArray().getShape().getShape();
                boolean[] k;
                if (p.getValue() == l.weight()) {
                    k = keep;
                } else if (v.length == rows) {
                    k = keepRow;
                } else {
                    stored.put(p.getKey(), dense(p.getKey(), p.getValue().getArray()));
                    continue;
                }
                float[] values = StoredParameter.Masked.kept(v, k);
                stored.put(
                        p.getKey(),
                        new StoredParameter.Masked(
                                p.getKey(),
                                s,
                                StoredParameter.Masked.mask(k),
                                values.length,
                                StoredTensor.f32(values)));
            }
        }
        CompressedBlock c = new CompressedBlock("prune", settings.settings(), stored);
        c.applyTo(block);
        return c;
    }

    private static Integer[] order(double[] values) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(values[a], values[b]));
        return idx;
    }

    /**
     * Replaces the weight {@code W} ({@code out x in}) of every {@link Linear} layer but the last
     * by its best rank-{@code rank} approximation {@code U_r S_r V_rᵀ}, stored as the two factors;
     * biases stay as they are.
     *
     * @throws IllegalArgumentException if {@code rank < 1}, or larger than a layer's smaller side
     *     (naming the layer), or the block has fewer than two linear layers
     */
    public static CompressedBlock lowRank(Block block, int rank) {
        Technique settings = Technique.lowRank(rank);
        List<Layer> layers = layers(block);
        List<Layer> linear = layers.stream().filter(Layer::isLinear).toList();
        if (linear.size() < 2) {
            throw new IllegalArgumentException(
                    "low-rank factorises the hidden Linear layers, and this block has "
                            + linear.size()
                            + " Linear layer(s); the layers are "
                            + layers.stream().map(Layer::describe).toList());
        }
        Layer last = linear.get(linear.size() - 1);
        for (Layer l : linear) {
            long[] s = l.weight().getArray().getShape().getShape();
            if (l != last && rank > Math.min(s[0], s[1])) {
                throw new IllegalArgumentException(
                        "low-rank setting 'rank' is "
                                + rank
                                + ", larger than layer "
                                + l.describe()
                                + ": at most "
                                + Math.min(s[0], s[1]));
            }
        }
        Map<String, StoredParameter> stored = new LinkedHashMap<>();
        for (Layer l : layers) {
            for (Pair<String, Parameter> p : l.parameters()) {
                NDArray a = p.getValue().getArray();
                if (l.isLinear() && l != last && p.getValue() == l.weight()) {
                    stored.put(p.getKey(), factor(p.getKey(), a, rank));
                } else {
                    stored.put(p.getKey(), dense(p.getKey(), a));
                }
            }
        }
        CompressedBlock c = new CompressedBlock("low-rank", settings.settings(), stored);
        c.applyTo(block);
        return c;
    }

    /** Truncated SVD of a 2-D weight through the eigendecomposition of {@code WᵀW}. */
    static StoredParameter.Factored factor(String name, NDArray a, int rank) {
        long[] shape = a.getShape().getShape();
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] w = a.toFloatArray();
        Linalg.Eigen e = Linalg.symmetricEigen(Linalg.gram(w, rows, cols));
        double[][] vr = new double[cols][rank];
        float[] v = new float[rank * cols];
        for (int i = 0; i < cols; i++) {
            for (int k = 0; k < rank; k++) {
                vr[i][k] = e.vectors()[i][k];
                v[k * cols + i] = (float) e.vectors()[i][k];
            }
        }
        float[] u = Linalg.times(w, rows, cols, vr, rank); // W V_r = U_r S_r
        return new StoredParameter.Factored(
                name, shape, rank, StoredTensor.f32(u), StoredTensor.f32(v));
    }
}
