package dev.maas.spark;

import dev.maas.ModelService;
import dev.maas.StoreStats;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The scale run (a program, not a unit test): publishes a generated recommender of {@code users} x
 * {@code items} (random factors of {@code dim}, a few seen items per user), then scores the top 10
 * of every user with {@link SparkRecommender} in local mode and writes them to Parquet, partition
 * by partition, so that the driver never holds all users' results. Prints users/s and the peak
 * memory of this JVM (heap pools and resident set).
 *
 * <p>Arguments (all optional): users (1000000), items (100000), dim (32), partitions (16), a work
 * folder (a new temporary folder). See the README's Spark section for the command line.
 */
public final class ScaleRun {
    private ScaleRun() {}

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int items = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int dim = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        Path work =
                args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory("maas-spark-scale-");
        int seenPerUser = 5;
        int k = 10;
        System.out.printf(
                Locale.ROOT,
                "scale run: %,d users x %,d items, dim %d, top-%d, %d partitions, %d cores, max"
                        + " heap %d MB, folder %s%n",
                users,
                items,
                dim,
                k,
                partitions,
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                work);

        long t0 = System.nanoTime();
        RepositoryLocation location = RepositoryLocation.folder(work.resolve("repo"));
        publish(ExecutorModels.service(location), users, items, dim, seenPerUser);
        System.out.printf(
                Locale.ROOT, "published the model in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        SparkSession spark =
                SparkSession.builder()
                        .master("local[*]")
                        .appName("maas-spark-scale-run")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.ui.enabled", "false")
                        .getOrCreate();
        try {
            Dataset<Row> ids =
                    spark.range(1, users + 1L, 1, partitions)
                            .selectExpr("CAST(id AS STRING) AS user");
            SparkRecommender batch = SparkRecommender.builder(location, "scale").k(k).build();
            Path out = work.resolve("recommendations.parquet");
            long t1 = System.nanoTime();
            batch.recommend(ids).write().mode("overwrite").parquet(out.toString());
            double seconds = (System.nanoTime() - t1) / 1e9;
            long rows = spark.read().parquet(out.toString()).count();
            StoreStats stats = ExecutorModels.stats(location);
            System.out.printf(
                    Locale.ROOT,
                    "scored %,d users in %.1f s: %,.0f users/s; wrote %,d rows to %s%n",
                    users,
                    seconds,
                    users / seconds,
                    rows,
                    out);
            System.out.printf(
                    Locale.ROOT,
                    "model loads in this JVM: %d (store misses %d, hits %d)%n",
                    stats.loads(),
                    stats.misses(),
                    stats.hits());
            long heapPeak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPeak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "peak heap (sum of pool peaks) %d MB; peak resident set %s%n",
                    heapPeak >> 20,
                    residentPeak());
        } finally {
            spark.stop();
            ExecutorModels.closeAll();
        }
    }

    private static void publish(ModelService maas, int users, int items, int dim, int seen) {
        SplittableRandom random = new SplittableRandom(7);
        float[] uf = gaussian(random, (long) users * dim, 0.3);
        float[] itf = gaussian(random, (long) items * dim, 0.3);
        float[] ib = gaussian(random, items, 0.1);
        int[] u = new int[users * seen];
        int[] it = new int[users * seen];
        float[] v = new float[users * seen];
        for (int user = 0; user < users; user++) {
            for (int s = 0; s < seen; s++) {
                u[user * seen + s] = user;
                // Popular items more often, as in real logs.
                it[user * seen + s] = (int) (items * Math.pow(random.nextDouble(), 3));
                v[user * seen + s] = 1f;
            }
        }
        IdMap userIds = IdMap.sequential(users);
        IdMap itemIds = IdMap.sequential(items);
        Interactions train =
                Interactions.ofIndices(userIds, itemIds, null, List.of(), u, it, v, null);
        FactorModel model =
                new FactorModel(
                        ModelType.BPR_MF,
                        dim,
                        userIds,
                        itemIds,
                        null,
                        List.of(),
                        uf,
                        itf,
                        new float[users],
                        ib,
                        0f,
                        Float.NaN,
                        Float.NaN,
                        Map.of("generated", "scale run"));
        RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .build()
                .publish(maas, "scale");
    }

    private static float[] gaussian(SplittableRandom random, long n, double std) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (random.nextGaussian() * std);
        }
        return a;
    }

    private static String residentPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring("VmHWM:".length()).strip();
                }
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            // Not Linux.
        }
        return "unknown (no /proc/self/status)";
    }
}
