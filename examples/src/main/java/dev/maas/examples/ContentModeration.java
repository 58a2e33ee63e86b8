package dev.maas.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.compression.BlockCompression;
import dev.maas.compression.BlockReports;
import dev.maas.compression.CompressedBlock;
import dev.maas.compression.CompressedModels;
import dev.maas.compression.CompressionReport;
import dev.maas.compression.FineTuning;
import dev.maas.compression.Quantization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Content moderation end to end: is this comment or title sensitive? The example generates a
 * labelled corpus, preprocesses it (lower case, tokens, hashed bag of words), trains a small
 * classifier on DJL, evaluates precision, recall and F1, prunes half its weights with a short
 * fine-tuning, quantizes what is left to int8, publishes the original and the compressed version,
 * moves {@code production} onto the compressed one and serves it through an endpoint, printing the
 * report of each step.
 *
 * <p>Run it with {@code java dev.maas.examples.ContentModeration [repository-folder]}.
 */
public final class ContentModeration {
    private ContentModeration() {}

    static final String[] NEUTRAL = {
        "the", "movie", "was", "great", "plot", "actor", "music", "scene", "watch", "episode",
        "season", "fun", "boring", "long", "short", "story", "ending", "love", "like", "funny",
        "sad", "good", "bad", "slow", "fast", "camera", "cast", "director", "finale", "pilot",
        "really", "very", "quite", "again", "series", "show", "trailer", "song", "drama", "comedy",
        "this", "that", "and", "but", "with", "too", "best", "worst", "ever", "tonight"
    };

    static final String[] SENSITIVE = {
        "idiot",
        "stupid",
        "hate",
        "moron",
        "scam",
        "trash",
        "loser",
        "disgusting",
        "pathetic",
        "fraud",
        "creep",
        "shut",
        "dumb",
        "filthy"
    };

    /**
     * A labelled text.
     *
     * @param text the comment or title
     * @param sensitive its label
     */
    public record Example(String text, boolean sensitive) {}

    /**
     * Precision, recall, F1 and accuracy of the "sensitive" class.
     *
     * @param precision share of flagged texts that are sensitive
     * @param recall share of sensitive texts that are flagged
     * @param f1 their harmonic mean
     * @param accuracy share of texts classified right
     */
    public record Scores(double precision, double recall, double f1, double accuracy) {
        Map<String, Double> asMap() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("precision", precision);
            m.put("recall", recall);
            m.put("f1", f1);
            m.put("accuracy", accuracy);
            return m;
        }
    }

    /**
     * What {@link #run} did.
     *
     * @param trained the trained classifier's scores on the test texts
     * @param pruning the report of pruning (with fine-tuning) against the trained classifier
     * @param quantization the report of pruning then int8 against the trained classifier
     * @param original the card of the published original
     * @param compressed the card of the published compressed version
     * @param served the compressed version's scores on the test texts, served by the endpoint
     * @param verdicts the endpoint's verdicts on a few new texts
     */
    public record Result(
            Scores trained,
            CompressionReport pruning,
            CompressionReport quantization,
            ModelCard original,
            ModelCard compressed,
            Scores served,
            Map<String, Boolean> verdicts) {}

    /** Runs the example; the first argument, if any, is the repository folder. */
    public static void main(String[] args) throws Exception {
        Path root =
                args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("maas-moderation");
        Result r = run(root, 4000, 15, true);
        System.out.println("published " + r.compressed().ref() + " to " + root);
    }

    /** Generates {@code n} labelled texts: about a third sensitive, 2% of labels flipped. */
    public static List<Example> corpus(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean sensitive = r.nextDouble() < 0.35;
            List<String> words = new ArrayList<>();
            int len = 4 + r.nextInt(12);
            for (int w = 0; w < len; w++) {
                words.add(NEUTRAL[r.nextInt(NEUTRAL.length)]);
            }
            if (sensitive) {
                int k = 1 + r.nextInt(2);
                for (int j = 0; j < k; j++) {
                    words.add(r.nextInt(words.size() + 1), SENSITIVE[r.nextInt(SENSITIVE.length)]);
                }
            }
            String text = String.join(" ", words);
            text =
                    Character.toUpperCase(text.charAt(0))
                            + text.substring(1)
                            + (r.nextBoolean() ? "!" : ".");
            boolean label = r.nextDouble() < 0.02 ? !sensitive : sensitive;
            out.add(new Example(text, label));
        }
        return out;
    }

    /** Lower-cases and splits on anything but letters. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (String token : text.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
            if (!token.isEmpty()) {
                out.add(token);
            }
        }
        return out;
    }

    /**
     * Returns the vocabulary of {@code texts}: tokens seen at least twice, most frequent first
     * (ties alphabetical), at most {@link ModerationBlockFactory#FEATURES}.
     */
    public static List<String> vocabulary(List<Example> texts) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Example e : texts) {
            for (String t : tokens(e.text())) {
                counts.merge(t, 1, Integer::sum);
            }
        }
        return counts.entrySet().stream()
                .filter(e -> e.getValue() >= 2)
                .sorted((a, b) -> b.getValue() - a.getValue())
                .limit(ModerationBlockFactory.FEATURES)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Returns which vocabulary tokens {@code text} contains (1 or 0 each); others are ignored. */
    public static float[] features(String text, List<String> vocabulary) {
        float[] f = new float[ModerationBlockFactory.FEATURES];
        for (String token : tokens(text)) {
            int i = vocabulary.indexOf(token);
            if (i >= 0) {
                f[i] = 1f;
            }
        }
        return f;
    }

    private static NDArray matrix(NDManager m, List<Example> examples, List<String> vocabulary) {
        float[] x = new float[examples.size() * ModerationBlockFactory.FEATURES];
        for (int i = 0; i < examples.size(); i++) {
            System.arraycopy(
                    features(examples.get(i).text(), vocabulary),
                    0,
                    x,
                    i * ModerationBlockFactory.FEATURES,
                    ModerationBlockFactory.FEATURES);
        }
        return m.create(x, new Shape(examples.size(), ModerationBlockFactory.FEATURES));
    }

    private static NDArray labels(NDManager m, List<Example> examples) {
        float[] y = new float[examples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = examples.get(i).sensitive() ? 1f : 0f;
        }
        return m.create(y, new Shape(y.length, 1));
    }

    /** Scores logits against labels: a text is flagged when its logit is above 0. */
    static Scores score(float[] logits, List<Example> examples) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int right = 0;
        for (int i = 0; i < logits.length; i++) {
            boolean flagged = logits[i] > 0;
            boolean truth = examples.get(i).sensitive();
            tp += flagged && truth ? 1 : 0;
            fp += flagged && !truth ? 1 : 0;
            fn += !flagged && truth ? 1 : 0;
            right += flagged == truth ? 1 : 0;
        }
        double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double rc = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = p + rc == 0 ? 0 : 2 * p * rc / (p + rc);
        return new Scores(p, rc, f1, (double) right / logits.length);
    }

    private static float[] logits(Block block, NDArray x) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDList out = block.forward(new ParameterStore(m, false), new NDList(x), false);
            out.attach(m);
            return out.singletonOrThrow().toFloatArray();
        }
    }

    /**
     * Runs every step on {@code texts} generated texts (80% to train, 20% to test), training for
     * {@code epochs} epochs, publishing into a repository at {@code root}.
     *
     * @param print whether to print each step's report
     */
    public static Result run(Path root, int texts, int epochs, boolean print) throws Exception {
        List<Example> corpus = corpus(texts, 7);
        List<Example> train = corpus.subList(0, texts * 4 / 5);
        List<Example> test = corpus.subList(texts * 4 / 5, texts);
        try (Model model = Model.newInstance("moderation", "PyTorch");
                NDManager m = model.getNDManager().newSubManager();
                ModelService maas = ModelService.builder().root(root).build()) {
            Block block = ModerationBlockFactory.create();
            model.setBlock(block);
            block.initialize(m, DataType.FLOAT32, new Shape(1, ModerationBlockFactory.FEATURES));
            List<String> vocabulary = vocabulary(train);
            NDArray trainX = matrix(m, train, vocabulary);
            NDArray trainY = labels(m, train);
            NDArray testX = matrix(m, test, vocabulary);
            Loss loss = Loss.sigmoidBinaryCrossEntropyLoss();

            // 1. Train on DJL (no compression to keep yet).
            CompressedBlock dense = BlockCompression.dense(block);
            FineTuning.Result fit =
                    FineTuning.fineTune(model, dense, trainX, trainY, loss, epochs, 64, 0.002f);
            CompressedBlock trained = fit.compressed();
            Scores scores = score(logits(block, testX), test);
            if (print) {
                System.out.printf(
                        "1. trained %d epochs on %d texts (loss %.4f -> %.4f)%n",
                        epochs,
                        train.size(),
                        fit.epochLosses().get(0),
                        fit.epochLosses().get(fit.epochLosses().size() - 1));
                System.out.printf(
                        "2. test (%d texts): precision %.3f, recall %.3f, F1 %.3f, accuracy %.3f%n",
                        test.size(),
                        scores.precision(),
                        scores.recall(),
                        scores.f1(),
                        scores.accuracy());
            }
            java.util.function.Function<Block, Map<String, Double>> quality =
                    b -> score(logits(b, testX), test).asMap();

            // 2. Prune half of each layer's weights, fine-tune briefly while keeping them pruned.
            CompressedBlock pruned = BlockCompression.prune(block, 0.5, false);
            pruned =
                    FineTuning.fineTune(model, pruned, trainX, trainY, loss, 2, 64, 0.001f)
                            .compressed();
            CompressionReport pruning =
                    BlockReports.measure("moderation", block, trained, pruned, quality, testX);
            if (print) {
                System.out.print("3. " + pruning.toTable());
            }

            // 3. Quantize the kept weights to int8.
            CompressedBlock int8 = pruned.quantize(block, Quantization.int8Symmetric(true));
            CompressionReport quantization =
                    BlockReports.measure("moderation", block, trained, int8, quality, testX);
            if (print) {
                System.out.print("4. " + quantization.toTable());
            }

            // 4. Publish the original and the compressed version; production moves to the latter.
            ModelCard card =
                    ModelCard.builder("moderation")
                            .task("classification")
                            .description("Flags sensitive comments and titles")
                            .inputs(
                                    TensorSpec.of(
                                            "features",
                                            DataType.FLOAT32,
                                            -1,
                                            ModerationBlockFactory.FEATURES))
                            .outputs(TensorSpec.of("logit", DataType.FLOAT32, -1, 1))
                            .property("blockFactory", ModerationBlockFactory.class.getName())
                            // The preprocessing travels with the model.
                            .property("vocabulary", String.join(" ", vocabulary))
                            .metrics(scores.asMap())
                            .build();
            ModelCard original = CompressedModels.publish(maas, card, trained, null);
            maas.setAlias("moderation", "production", original.version());
            ModelCard compressed =
                    CompressedModels.publish(
                            maas,
                            card.toBuilder().derivedFrom(original.ref()).build(),
                            int8,
                            quantization);
            maas.setAlias("moderation", "production", compressed.version());
            if (print) {
                System.out.printf(
                        "5. published %s and %s (derived from %s); production -> %s%n",
                        original.ref(),
                        compressed.ref(),
                        compressed.derivedFrom(),
                        compressed.ref());
            }

            // 5. Serve through the endpoint, preprocessing with the vocabulary in its card.
            Endpoint endpoint = maas.endpoint("moderation@production");
            List<String> cardVocabulary =
                    List.of(endpoint.card().properties().get("vocabulary").split(" "));
            float[] served;
            try (NDManager call = NDManager.newBaseManager()) {
                served =
                        endpoint.predict(new NDList(matrix(call, test, cardVocabulary)))
                                .singletonOrThrow()
                                .toFloatArray();
            }
            Scores servedScores = score(served, test);
            Map<String, Boolean> verdicts = new LinkedHashMap<>();
            for (String text :
                    List.of(
                            "What a great season finale, loved the music!",
                            "The director is a pathetic fraud and a moron.",
                            "Boring pilot but the cast is fun")) {
                try (NDManager call = NDManager.newBaseManager()) {
                    float logit =
                            endpoint.predict(
                                            new NDList(
                                                    call.create(
                                                            features(text, cardVocabulary),
                                                            new Shape(
                                                                    1,
                                                                    ModerationBlockFactory
                                                                            .FEATURES))))
                                    .singletonOrThrow()
                                    .getFloat();
                    verdicts.put(text, logit > 0);
                }
            }
            if (print) {
                System.out.printf(
                        "6. served by %s: F1 %.3f on the test texts%n",
                        endpoint.ref(), servedScores.f1());
                verdicts.forEach(
                        (t, v) ->
                                System.out.println("   " + (v ? "SENSITIVE " : "ok        ") + t));
            }
            return new Result(
                    scores, pruning, quantization, original, compressed, servedScores, verdicts);
        }
    }
}
