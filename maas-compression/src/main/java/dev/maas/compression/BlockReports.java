package dev.maas.compression;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Measures a compressed DJL model against its original in one run: the parameters' bytes, the
 * quality metrics the caller computes on its evaluation data, and the latency of a forward pass at
 * batch 1 and at batch {@value #BATCH}. Stateless; not thread-safe with respect to the block, whose
 * parameters it switches.
 */
public final class BlockReports {
    /** The larger batch at which latency is measured. */
    public static final int BATCH = 64;

    private BlockReports() {}

    /**
     * Returns the report of {@code after} against {@code before}, measured on {@code block} (which
     * has {@code after}'s parameters again when this returns).
     *
     * @param source the original model's name, for the report
     * @param block the model's block
     * @param before the original parameters
     * @param after the compressed parameters
     * @param quality computes the quality metrics of the block as it is (such as {@code accuracy},
     *     {@code f1}); metrics whose name holds {@code loss}, {@code mse} or {@code error} are
     *     taken as lower-is-better
     * @param inputs at least {@value #BATCH} example inputs, batch on the first axis
     * @throws IllegalArgumentException if there are fewer than {@value #BATCH} inputs
     */
    public static CompressionReport measure(
            String source,
            Block block,
            CompressedBlock before,
            CompressedBlock after,
            Function<Block, Map<String, Double>> quality,
            NDArray inputs) {
        Objects.requireNonNull(quality, "quality");
        if (inputs.getShape().get(0) < BATCH) {
            throw new IllegalArgumentException(
                    "latency needs at least " + BATCH + " inputs, got " + inputs.getShape().get(0));
        }
        before.applyTo(block);
        Map<String, Double> q0 = new LinkedHashMap<>(quality.apply(block));
        double[] l0 = latency(block, inputs);
        after.applyTo(block);
        Map<String, Double> q1 = quality.apply(block);
        double[] l1 = latency(block, inputs);
        List<CompressionReport.Quality> qs = new ArrayList<>();
        q0.forEach(
                (k, v) -> {
                    String n = k.toLowerCase(Locale.ROOT);
                    boolean lower = n.contains("loss") || n.contains("mse") || n.contains("error");
                    qs.add(
                            new CompressionReport.Quality(
                                    k, v, q1.getOrDefault(k, Double.NaN), !lower));
                });
        Map<String, String> settings = new LinkedHashMap<>(after.settings());
        return new CompressionReport(
                source,
                after.technique(),
                settings,
                before.storedBytes(),
                after.storedBytes(),
                qs,
                List.of(
                        new CompressionReport.Latency(1, l0[0], l1[0]),
                        new CompressionReport.Latency(BATCH, l0[1], l1[1])));
    }

    /** Microseconds per item at batch 1 and {@value #BATCH}, after as many warm-up calls. */
    private static double[] latency(Block block, NDArray inputs) {
        double[] out = new double[2];
        int[] batches = {1, BATCH};
        for (int b = 0; b < 2; b++) {
            int batch = batches[b];
            int rounds = Math.max(20, 640 / batch);
            long elapsed = 0;
            try (NDManager m = inputs.getManager().newSubManager()) {
                NDArray x = inputs.get(new NDIndex("0:" + batch));
                x.attach(m);
                ParameterStore store = new ParameterStore(m, false);
                for (int r = -rounds; r < rounds; r++) {
                    try (NDManager call = m.newSubManager()) {
                        long t0 = System.nanoTime();
                        NDList y = block.forward(store, new NDList(x), false);
                        y.attach(call);
                        y.singletonOrThrow().toFloatArray();
                        if (r >= 0) {
                            elapsed += System.nanoTime() - t0;
                        }
                    }
                }
            }
            out[b] = elapsed / 1e3 / ((double) rounds * batch);
        }
        return out;
    }
}
