package dev.maas.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A host application in miniature: it builds a small watch-time model, publishes it into a maas
 * repository, points {@code production} at it and serves predictions in-process from several
 * threads.
 *
 * <p>Run it with {@code java dev.maas.examples.PublishAndServe [repository-folder]}.
 */
public final class PublishAndServe {
    private PublishAndServe() {}

    /** Runs the example; the first argument, if any, is the repository folder. */
    public static void main(String[] args) throws Exception {
        Path root = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("maas-example");
        Report report = run(root, 4, 250);
        System.out.println("published " + report.card().ref() + " to " + root);
        System.out.printf(
                "served %d predictions from 4 threads: p50 %.1f us, p99 %.1f us%n",
                report.latenciesNanos().length,
                percentile(report.latenciesNanos(), 0.50) / 1e3,
                percentile(report.latenciesNanos(), 0.99) / 1e3);
        System.out.println(
                "prediction for two all-ones sessions: "
                        + Arrays.toString(report.onesPrediction()));
    }

    /**
     * What {@link #run} did.
     *
     * @param card the published card
     * @param latenciesNanos every call's latency, sorted
     * @param onesPrediction the model's output for two all-ones inputs
     */
    public record Report(ModelCard card, long[] latenciesNanos, float[] onesPrediction) {}

    static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    /**
     * Publishes a model into {@code root} and serves {@code callsPerThread} predictions from each
     * of {@code threads} threads.
     *
     * @return what was published and measured
     */
    public static Report run(Path root, int threads, int callsPerThread) throws Exception {
        Path artifact = Files.createTempDirectory("watch-time");
        buildModel(artifact);
        try (ModelService maas = ModelService.builder().root(root).build()) {
            ModelCard card =
                    maas.publish(
                            ModelPackage.of(
                                    ModelCard.builder("watch-time")
                                            .task("regression")
                                            .engine("PyTorch")
                                            .format("djl")
                                            .inputs(
                                                    TensorSpec.of(
                                                            "features",
                                                            DataType.FLOAT32,
                                                            -1,
                                                            WatchTimeBlockFactory.FEATURES))
                                            .outputs(
                                                    TensorSpec.of(
                                                            "minutes", DataType.FLOAT32, -1, 1))
                                            .owner("personalisation")
                                            .description(
                                                    "Predicts minutes watched from 8 session"
                                                            + " features")
                                            .tags("example", "regression")
                                            .property(
                                                    "blockFactory",
                                                    WatchTimeBlockFactory.class.getName())
                                            .build(),
                                    artifact));
            maas.setAlias("watch-time", "production", card.version());
            Endpoint endpoint = maas.endpoint("watch-time@production");

            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                results.add(pool.submit(() -> serve(endpoint, seed, callsPerThread)));
            }
            long[] latencies = new long[0];
            for (Future<long[]> f : results) {
                long[] l = f.get();
                long[] merged = Arrays.copyOf(latencies, latencies.length + l.length);
                System.arraycopy(l, 0, merged, latencies.length, l.length);
                latencies = merged;
            }
            pool.shutdown();
            Arrays.sort(latencies);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList out =
                        endpoint.predict(
                                new NDList(
                                        manager.ones(
                                                new Shape(2, WatchTimeBlockFactory.FEATURES))));
                return new Report(card, latencies, out.singletonOrThrow().toFloatArray());
            }
        }
    }

    private static long[] serve(Endpoint endpoint, int seed, int calls) {
        long[] latencies = new long[calls];
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < calls; i++) {
                try (NDManager call = manager.newSubManager()) {
                    NDList input =
                            new NDList(
                                    call.randomUniform(
                                            0, 1, new Shape(1, WatchTimeBlockFactory.FEATURES)));
                    long start = System.nanoTime();
                    endpoint.predict(input);
                    latencies[i] = System.nanoTime() - start;
                }
            }
        }
        return latencies;
    }

    /** Initialises the block with seeded random weights and saves it as a DJL-native model. */
    static void buildModel(Path dir) throws IOException {
        Engine.getEngine("PyTorch").setRandomSeed(42);
        try (Model model = Model.newInstance("watch-time", "PyTorch");
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            model.setBlock(WatchTimeBlockFactory.create());
            model.getBlock()
                    .setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
            model.getBlock()
                    .initialize(
                            manager,
                            DataType.FLOAT32,
                            new Shape(1, WatchTimeBlockFactory.FEATURES));
            // One forward pass so every parameter is materialised before saving.
            model.getBlock()
                    .forward(
                            new ParameterStore(manager, false),
                            new NDList(manager.ones(new Shape(1, WatchTimeBlockFactory.FEATURES))),
                            false);
            model.save(dir, "watch-time");
        }
    }
}
