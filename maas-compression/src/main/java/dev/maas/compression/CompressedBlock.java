package dev.maas.compression;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.maas.MalformedModelException;
import dev.maas.recommend.train.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The compressed parameters of a DJL block, as {@link BlockCompression} made them: for each
 * parameter its stored form (float32, quantized codes with scales, a bit mask and the kept values,
 * or two low-rank factors). It can write them into a block ({@link #applyTo}), keep a block within
 * the compression while it is fine-tuned ({@link #project}), take the fine-tuned values back
 * ({@link #capture}), and be saved to and loaded from one safetensors file ({@link #save}, {@link
 * #load}).
 *
 * <p>Immutable and thread-safe; the methods that take a block change that block.
 */
public final class CompressedBlock {
    private final String technique;
    private final Map<String, String> settings;
    private final Map<String, StoredParameter> parameters;

    CompressedBlock(
            String technique, Map<String, String> settings, Map<String, StoredParameter> stored) {
        this.technique = technique;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(stored));
    }

    /** Returns the technique's name: {@code quantize}, {@code prune}, {@code low-rank}, ... */
    public String technique() {
        return technique;
    }

    /** Returns the technique's settings. */
    public Map<String, String> settings() {
        return settings;
    }

    /** Returns a copy with {@code key} set to {@code value} in the settings. */
    CompressedBlock withSetting(String key, String value) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put(key, value);
        return new CompressedBlock(technique, s, parameters);
    }

    /** Returns the number of parameters (tensors). */
    public int size() {
        return parameters.size();
    }

    /** Returns the bytes of the stored parameters: data, scales and masks. */
    public long storedBytes() {
        return parameters.values().stream().mapToLong(StoredParameter::bytes).sum();
    }

    /** Returns the bytes the parameters take in float32. */
    public long denseBytes() {
        long n = 0;
        for (StoredParameter p : parameters.values()) {
            n += 4L * StoredParameter.rows(p.shape()) * StoredParameter.cols(p.shape());
        }
        return n;
    }

    /** Returns the share of zeros among the parameters' values. */
    public double sparsity() {
        long zeros = 0;
        long all = 0;
        for (StoredParameter p : parameters.values()) {
            for (float v : p.decode()) {
                zeros += v == 0f ? 1 : 0;
                all++;
            }
        }
        return (double) zeros / all;
    }

    /** Returns the stored kind of each parameter ({@code dense}, {@code masked}, ...). */
    public Map<String, String> kinds() {
        Map<String, String> m = new LinkedHashMap<>();
        parameters.forEach((k, v) -> m.put(k, v.kind() + ":" + storedType(v)));
        return m;
    }

    private static String storedType(StoredParameter p) {
        if (p instanceof StoredParameter.Dense d) {
            return d.values().dtype().name();
        }
        if (p instanceof StoredParameter.Masked m) {
            return m.values().dtype().name();
        }
        return ((StoredParameter.Factored) p).u().dtype().name();
    }

    /**
     * Writes the decoded values into {@code block}'s parameters.
     *
     * @throws IllegalArgumentException if the block's parameters do not match (names, shapes)
     */
    public void applyTo(Block block) {
        for (BlockCompression.Layer l : BlockCompression.layers(block)) {
            for (Pair<String, Parameter> p : l.parameters()) {
                StoredParameter s = stored(p);
                p.getValue().getArray().set(s.decode());
            }
        }
    }

    private StoredParameter stored(Pair<String, Parameter> p) {
        StoredParameter s = parameters.get(p.getKey());
        long[] shape = p.getValue().getArray().getShape().getShape();
        if (s == null || !java.util.Arrays.equals(s.shape(), shape)) {
            throw new IllegalArgumentException(
                    "the block's parameter "
                            + p.getKey()
                            + " "
                            + java.util.Arrays.toString(shape)
                            + " is not among the compressed parameters "
                            + parameters.keySet()
                            + " with that shape");
        }
        return s;
    }

    /**
     * Brings {@code block}'s current values back within this compression: pruned weights back to
     * zero, low-rank weights back to their rank, quantized weights onto their grid. Called after
     * each fine-tuning step.
     */
    public void project(Block block) {
        capture(block).applyTo(block);
    }

    /**
     * Returns the compression of {@code block}'s current values with the same structure: the same
     * masks, ranks and quantization scheme (scales refitted).
     */
    public CompressedBlock capture(Block block) {
        Map<String, StoredParameter> next = new LinkedHashMap<>();
        for (BlockCompression.Layer l : BlockCompression.layers(block)) {
            for (Pair<String, Parameter> p : l.parameters()) {
                StoredParameter s = stored(p);
                NDArray a = p.getValue().getArray();
                float[] v = a.toFloatArray();
                StoredParameter n;
                if (s instanceof StoredParameter.Masked m) {
                    boolean[] keep = new boolean[v.length];
                    for (int i = 0; i < v.length; i++) {
                        keep[i] = m.keeps(i);
                    }
                    n =
                            new StoredParameter.Masked(
                                    m.name(),
                                    m.shape(),
                                    m.mask(),
                                    m.kept(),
                                    reencode(m.values(), StoredParameter.Masked.kept(v, keep), 1));
                } else if (s instanceof StoredParameter.Factored f) {
                    n = BlockCompression.factor(f.name(), a, f.rank());
                } else {
                    StoredParameter.Dense d = (StoredParameter.Dense) s;
                    n =
                            new StoredParameter.Dense(
                                    d.name(),
                                    d.shape(),
                                    reencode(d.values(), v, StoredParameter.rows(d.shape())));
                }
                next.put(p.getKey(), n);
            }
        }
        return new CompressedBlock(technique, settings, next);
    }

    private StoredTensor reencode(StoredTensor like, float[] values, int rows) {
        if (like.dtype() == StoredTensor.DType.F32) {
            return StoredTensor.f32(values);
        }
        Quantization q =
                switch (like.dtype()) {
                    case F16 -> Quantization.float16();
                    case BF16 -> Quantization.bfloat16();
                    default -> {
                        boolean perRow = like.scale().length > 1;
                        yield like.zeroPoint() == null
                                ? Quantization.int8Symmetric(perRow)
                                : Quantization.int8Asymmetric(perRow);
                    }
                };
        int r = q.perRow() ? rows : 1;
        return q.encode(values, r, values.length / r);
    }

    /**
     * Quantizes the stored values further with {@code q} (after pruning: the kept values, with one
     * scale for each parameter; after low-rank: both factors), and writes them into {@code block}.
     *
     * @throws IllegalArgumentException if the block does not match
     */
    public CompressedBlock quantize(Block block, Quantization q) {
        Map<String, StoredParameter> next = new LinkedHashMap<>();
        Quantization flat =
                q.type() != Quantization.Type.INT8
                        ? q
                        : q.symmetric()
                                ? Quantization.int8Symmetric(false)
                                : Quantization.int8Asymmetric(false);
        for (StoredParameter s : parameters.values()) {
            StoredParameter n = s;
            int rows = StoredParameter.rows(s.shape());
            int cols = StoredParameter.cols(s.shape());
            if (s instanceof StoredParameter.Masked m && m.kept() > 0) {
                n =
                        new StoredParameter.Masked(
                                m.name(),
                                m.shape(),
                                m.mask(),
                                m.kept(),
                                flat.encode(m.values().decode(1, m.kept()), 1, m.kept()));
            } else if (s instanceof StoredParameter.Factored f) {
                n =
                        new StoredParameter.Factored(
                                f.name(),
                                f.shape(),
                                f.rank(),
                                q.encode(f.u().decode(rows, f.rank()), rows, f.rank()),
                                q.encode(f.v().decode(f.rank(), cols), f.rank(), cols));
            } else if (s instanceof StoredParameter.Dense d && s.shape().length == 2) {
                n =
                        new StoredParameter.Dense(
                                d.name(), d.shape(), q.encode(d.decode(), rows, cols));
            }
            next.put(s.name(), n);
        }
        Map<String, String> s = new LinkedHashMap<>(settings);
        q.settings().forEach((k, v) -> s.put("quantize." + k, v));
        CompressedBlock c = new CompressedBlock(technique + "+quantize", s, next);
        c.applyTo(block);
        return c;
    }

    /**
     * Writes the parameters to {@code file} (replaced if present) in the safetensors layout, with
     * the kind and shape of each parameter, the technique and its settings in the metadata.
     *
     * @return the file's size in bytes
     * @throws UncheckedIOException if it cannot be written
     */
    public long save(Path file) {
        Map<String, TensorFile.Raw> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "maas-compressed-block");
        meta.put("technique", technique);
        settings.forEach((k, v) -> meta.put("setting." + k, v));
        for (StoredParameter p : parameters.values()) {
            meta.put("param." + p.name(), p.kind() + ";" + StoredParameter.shapeText(p.shape()));
            tensors.putAll(p.tensors());
        }
        try {
            return TensorFile.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Reads parameters written by {@link #save}.
     *
     * @throws MalformedModelException if the file is not such a file, or a tensor is missing or of
     *     the wrong size
     */
    public static CompressedBlock load(Path file) {
        TensorFile.Contents c = TensorFile.read(file);
        Map<String, String> meta = c.metadata();
        if (!"maas-compressed-block".equals(meta.get("format"))) {
            throw new MalformedModelException(
                    file.getFileName()
                            + " is not a compressed block (format "
                            + meta.get("format")
                            + ")");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, StoredParameter> params = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (e.getKey().startsWith("setting.")) {
                    settings.put(e.getKey().substring(8), e.getValue());
                } else if (e.getKey().startsWith("param.")) {
                    String name = e.getKey().substring(6);
                    String[] kindShape = e.getValue().split(";", -1);
                    long[] shape = StoredParameter.parseShape(kindShape[1]);
                    String kind = kindShape[0];
                    StoredParameter p;
                    if (kind.equals("dense")) {
                        p =
                                new StoredParameter.Dense(
                                        name, shape, StoredParameter.get(c.tensors(), name));
                    } else if (kind.equals("masked")) {
                        TensorFile.Raw mask = c.tensors().get(name + ".mask");
                        StoredTensor values = StoredParameter.get(c.tensors(), name + ".values");
                        int kept = (int) c.tensors().get(name + ".values").shape()[0];
                        p = new StoredParameter.Masked(name, shape, mask.data(), kept, values);
                    } else if (kind.startsWith("factored:")) {
                        int rank = Integer.parseInt(kind.substring(9));
                        p =
                                new StoredParameter.Factored(
                                        name,
                                        shape,
                                        rank,
                                        StoredParameter.get(c.tensors(), name + ".u"),
                                        StoredParameter.get(c.tensors(), name + ".v"));
                    } else {
                        throw new MalformedModelException(
                                file.getFileName() + ": parameter " + name + " has kind " + kind);
                    }
                    p.decode(); // checks sizes
                    params.put(name, p);
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof MalformedModelException m) {
                throw m;
            }
            throw new MalformedModelException(
                    file.getFileName() + " is malformed: " + e.getMessage(), e);
        }
        return new CompressedBlock(
                Objects.requireNonNullElse(meta.get("technique"), "unknown"), settings, params);
    }
}
