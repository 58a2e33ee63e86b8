package dev.maas.compression;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.Precision;
import dev.maas.recommend.train.FactorEncoder;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compresses a published recommender and measures what it costs, on evaluation data the user gives
 * (the split the recommender was trained and tested on):
 *
 * <pre>{@code
 * RecommenderCompression c = RecommenderCompression.of(maas, "movies@production", split);
 * CompressedRecommender int8 = c.apply(Technique.int8());
 * System.out.print(int8.report().toTable());
 * ModelCard card = int8.publish(maas);          // movies:N+1, derived from the source
 * }</pre>
 *
 * <p>Techniques: {@link Technique.Quantize} (factors stored as int8 codes with scales, float16 or
 * bfloat16; an int8 version is served through the int8 item index), {@link Technique.Prune}
 * structured (drops the factors that carry the least score energy), {@link Technique.LowRank} (the
 * best rank-{@code r} approximation of the score matrix {@code P Qᵀ}, by truncated SVD), {@link
 * Technique.Distill} (a student with fewer factors fitted to the teacher's scores). Every
 * compressed model is written to disk and read back before it is measured, so the report describes
 * what would be served.
 *
 * <p>Not thread-safe: one compression at a time per instance.
 */
public final class RecommenderCompression {
    private static final Logger LOG = LoggerFactory.getLogger(RecommenderCompression.class);

    /** The list length of NDCG and of the top-list overlap. */
    public static final int K = 10;

    /** The larger batch at which latency is measured. */
    public static final int BATCH = 64;

    private final ModelCard card;
    private final FactorModel source;
    private final Split evaluation;

    private RecommenderCompression(ModelCard card, FactorModel source, Split evaluation) {
        this.card = card;
        this.source = source;
        this.evaluation = evaluation;
    }

    /**
     * Opens the recommender {@code ref} for compression, with the split it was trained on as the
     * evaluation data.
     *
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     * @throws IllegalArgumentException if the model is not a recommender, or the split's users and
     *     items are not the model's
     */
    public static RecommenderCompression of(ModelService service, String ref, Split evaluation) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(evaluation, "evaluation");
        Recommender r = Recommender.open(service, ref);
        ModelCard card = r.card();
        FactorModel model = r.model();
        Interactions train = evaluation.train();
        if (!model.users().equals(train.users()) || !model.items().equals(train.items())) {
            throw new IllegalArgumentException(
                    card.ref()
                            + " was trained on other data than the evaluation split ("
                            + model.numUsers()
                            + " users and "
                            + model.numItems()
                            + " items in the model, "
                            + train.numUsers()
                            + " and "
                            + train.numItems()
                            + " in the split)");
        }
        return new RecommenderCompression(card, model, evaluation);
    }

    /** Returns the card of the source version. */
    public ModelCard sourceCard() {
        return card;
    }

    /** Returns the source model. */
    public FactorModel source() {
        return source;
    }

    /**
     * Applies {@code technique}, writes the result to a temporary folder and reads it back, and
     * measures it against the source.
     *
     * @throws IllegalArgumentException if a setting does not fit the model (the message names the
     *     setting and the layer: {@code item_factors}, ...), or the technique cannot handle a
     *     recommender (unstructured pruning: the factor files store dense rows)
     */
    public CompressedRecommender apply(Technique technique) {
        Objects.requireNonNull(technique, "technique");
        FactorModel compressed;
        FactorEncoder encoder = FactorEncoder.FLOAT32;
        Precision serving = Precision.FLOAT32;
        if (technique instanceof Technique.Quantize q) {
            compressed = source;
            encoder = encoder(q.quantization());
            if (q.quantization().type() == Quantization.Type.INT8) {
                serving = Precision.INT8;
            }
        } else if (technique instanceof Technique.Prune p) {
            if (!p.structured()) {
                throw new IllegalArgumentException(
                        "prune setting 'structured' must be true for layer 'item_factors' of"
                                + " recommender "
                                + card.ref()
                                + ": factor files store dense rows, so unstructured zeros would"
                                + " not shrink it; remove whole factors (structured) instead");
            }
            compressed = FactorOps.pruneFactors(source, p.sparsity());
        } else if (technique instanceof Technique.LowRank l) {
            compressed = FactorOps.lowRank(source, l.rank(), l.energy());
        } else if (technique instanceof Technique.Distill d) {
            compressed = Distillation.distill(source, evaluation.train(), d);
        } else {
            throw new AssertionError(technique);
        }
        Path work = tempDir();
        try {
            Path before = work.resolve("before");
            Path after = work.resolve("after");
            source.save(before, FactorEncoder.FLOAT32);
            compressed.save(after, encoder);
            FactorModel loaded = FactorModel.load(after);
            long bytesBefore = Files.size(before.resolve("factors.safetensors"));
            long bytesAfter = Files.size(after.resolve("factors.safetensors"));
            CompressionReport report = measure(technique, loaded, serving, bytesBefore, bytesAfter);
            LOG.info("compressed {}: {}", card.ref(), Technique.describe(technique));
            return new CompressedRecommender(
                    card, compressed, loaded, encoder, serving, report, evaluation.train());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure the compressed model", e);
        } finally {
            deleteRecursively(work);
        }
    }

    /** The encoder of {@code q}: factor matrices as chosen, biases with one scale per tensor. */
    static FactorEncoder encoder(Quantization q) {
        Quantization biases =
                q.type() != Quantization.Type.INT8
                        ? q
                        : q.symmetric()
                                ? Quantization.int8Symmetric(false)
                                : Quantization.int8Asymmetric(false);
        return (tensor, values, rows, cols) -> {
            Quantization use = cols == 1 ? biases : q;
            StoredTensor t = use.encode(values, rows, cols);
            return t;
        };
    }

    private CompressionReport measure(
            Technique technique,
            FactorModel after,
            Precision serving,
            long bytesBefore,
            long bytesAfter) {
        Interactions train = evaluation.train();
        Interactions test = evaluation.test();
        Evaluator evaluator = Evaluator.builder().k(K).build();
        List<CompressionReport.Quality> quality = new ArrayList<>();
        if (source.type().predictsRatings()) {
            quality.add(
                    new CompressionReport.Quality(
                            "rmse",
                            evaluator.evaluateRatings(source, test).rmse(),
                            evaluator.evaluateRatings(after, test).rmse(),
                            false));
        }
        quality.add(
                new CompressionReport.Quality(
                        "ndcg@" + K,
                        evaluator.evaluateRanking(source, train, test).ndcg(),
                        evaluator.evaluateRanking(after, train, test).ndcg(),
                        true));
        quality.add(
                new CompressionReport.Quality(
                        "top" + K + "-overlap", 1.0, topOverlap(source, after, train), true));
        List<CompressionReport.Latency> latency = new ArrayList<>();
        try (EmbeddingIndex b = index(source, Precision.FLOAT32);
                EmbeddingIndex a = index(after, serving)) {
            for (int batch : new int[] {1, BATCH}) {
                latency.add(
                        new CompressionReport.Latency(
                                batch,
                                microsPerQuery(b, source, batch),
                                microsPerQuery(a, after, batch)));
            }
        }
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.putAll(technique.settings());
        settings.put("dim", source.dim() + "->" + after.dim());
        settings.put("serving", serving.name().toLowerCase(java.util.Locale.ROOT));
        return new CompressionReport(
                card.ref().toString(),
                technique.name(),
                settings,
                bytesBefore,
                bytesAfter,
                quality,
                latency);
    }

    /**
     * Returns the mean share of each user's top-{@value #K} unseen items (by score) that both
     * models recommend.
     */
    static double topOverlap(FactorModel a, FactorModel b, Interactions train) {
        int users = a.numUsers();
        int items = a.numItems();
        float[] sa = new float[items];
        float[] sb = new float[items];
        double sum = 0;
        for (int u = 0; u < users; u++) {
            a.scoreAll(u, sa);
            b.scoreAll(u, sb);
            for (int i : train.itemsOf(u)) {
                sa[i] = Float.NEGATIVE_INFINITY;
                sb[i] = Float.NEGATIVE_INFINITY;
            }
            int[] ta = top(sa, K);
            int[] tb = top(sb, K);
            int common = 0;
            for (int x : ta) {
                for (int y : tb) {
                    if (x == y) {
                        common++;
                    }
                }
            }
            sum += (double) common / Math.min(K, ta.length);
        }
        return sum / users;
    }

    /** The indices of the {@code k} largest scores, largest first (ties: lower index first). */
    static int[] top(float[] scores, int k) {
        int n = Math.min(k, scores.length);
        int[] idx = new int[n];
        float[] val = new float[n];
        int size = 0;
        for (int i = 0; i < scores.length; i++) {
            float v = scores[i];
            if (size == n && !(v > val[n - 1])) {
                continue;
            }
            int p = size < n ? size++ : n - 1;
            while (p > 0 && v > val[p - 1]) {
                val[p] = val[p - 1];
                idx[p] = idx[p - 1];
                p--;
            }
            val[p] = v;
            idx[p] = i;
        }
        return Arrays.copyOf(idx, size);
    }

    static EmbeddingIndex index(FactorModel m, Precision precision) {
        return EmbeddingIndex.builder(array(m.itemFactors()), m.dim())
                .bias(array(m.itemBiases()))
                .precision(precision)
                .parallelism(1)
                .build();
    }

    private static double microsPerQuery(EmbeddingIndex index, FactorModel m, int batch) {
        int users = m.numUsers();
        float[][] queries = new float[batch][];
        int rounds = Math.max(8, 512 / batch);
        long elapsed = 0;
        // As many warm-up rounds as timed ones, so that the code is compiled before it is timed.
        for (int r = -rounds; r < rounds; r++) {
            for (int q = 0; q < batch; q++) {
                queries[q] = m.userVector(Math.floorMod(r * batch + q, users));
            }
            long t0 = System.nanoTime();
            if (batch == 1) {
                index.topK(queries[0], K);
            } else {
                index.topK(queries, K);
            }
            if (r >= 0) {
                elapsed += System.nanoTime() - t0;
            }
        }
        return elapsed / 1e3 / ((double) rounds * batch);
    }

    static float[] array(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("maas-compression-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder", e);
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary folder is harmless.
        }
    }
}
