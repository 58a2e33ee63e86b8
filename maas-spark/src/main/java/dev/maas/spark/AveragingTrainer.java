package dev.maas.spark;

import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.io.Serializable;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of the project's factor models (biased MF, BPR-MF) on Spark by model
 * averaging, {@code f = (1/N) Σ g_i}: the training rows are dealt at random into {@code N} shards,
 * one Spark partition each, and every round each partition trains a copy of the current global
 * parameters on its shard for {@link Builder#epochsPerRound(int)} epochs with the project's own
 * trainer ({@link RecommenderTrainer#continueTraining}); the driver averages the copies into the
 * next global parameters. Rounds repeat until the validation metric (RMSE for biased MF, NDCG@10
 * for BPR) has not improved for {@link Builder#patience(int)} rounds; the best round's parameters
 * are the result.
 *
 * <p><b>Weights.</b> Each parameter row is averaged over the shards weighted by its examples there:
 * a user's vector by how many of the user's rows each shard holds, an item's likewise, the global
 * bias by shard size. A user seen by one shard only thus takes that shard's update, instead of
 * having it diluted N times by copies that never saw the user. The README discusses when this
 * reaches single-node quality and when it does not.
 *
 * <p><b>Where data lives.</b> The shards are shipped to the executors once and cached there; each
 * round ships the global parameters (a broadcast) and brings back N parameter sets, so the driver
 * must hold N + 1 copies of the model (users and items times {@code factors + 1} floats). The
 * training data starts on the driver as {@link Interactions}, because the published recommender
 * needs it (the items each user has seen).
 *
 * <p>Instances are immutable and thread-safe; {@link #fit} runs Spark jobs and blocks.
 */
public final class AveragingTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(AveragingTrainer.class);
    private static final int VALIDATION_K = 10;

    private final TrainingConfig config;
    private final int partitions;
    private final int maxRounds;
    private final int patience;
    private final int epochsPerRound;

    private AveragingTrainer(Builder b) {
        this.config = b.config;
        this.partitions = b.partitions;
        this.maxRounds = b.maxRounds;
        this.patience = b.patience;
        this.epochsPerRound = b.epochsPerRound;
    }

    /**
     * Returns a builder for {@code config}'s model (its type, factors, batch size, learning rate,
     * L2 terms, negatives, seed and threads are used; epochs, patience and validation fraction are
     * the builder's business).
     *
     * @throws IllegalArgumentException if the type is {@link ModelType#TWO_TOWER}
     */
    public static Builder builder(TrainingConfig config) {
        return new Builder(config);
    }

    /**
     * Trains on {@code train}, validating every round on {@code validation} (same id maps).
     *
     * @throws IllegalArgumentException if the sets are empty, do not share id maps, or {@code
     *     train} has fewer rows than partitions
     */
    public AveragedModel fit(SparkSession spark, Interactions train, Interactions validation) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(validation, "validation");
        if (!train.sharesIndexWith(validation)) {
            throw new IllegalArgumentException(
                    "validation must share the training set's user and item id maps");
        }
        if (train.size() < partitions || validation.size() == 0) {
            throw new IllegalArgumentException(
                    "need at least one training row per partition ("
                            + partitions
                            + ") and a non-empty validation set; got "
                            + train.size()
                            + " and "
                            + validation.size()
                            + " rows");
        }
        long started = System.nanoTime();
        int users = train.numUsers();
        int items = train.numItems();
        int d = config.factors();
        Shard[] shards = deal(train);
        double[][] userWeights = new double[partitions][users];
        double[][] itemWeights = new double[partitions][items];
        for (int p = 0; p < partitions; p++) {
            for (int r = 0; r < shards[p].users.length; r++) {
                userWeights[p][shards[p].users[r]]++;
                itemWeights[p][shards[p].items[r]]++;
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Vocabulary> vocabulary =
                jsc.broadcast(
                        new Vocabulary(
                                new ArrayList<>(train.users().ids()),
                                new ArrayList<>(train.items().ids())));
        JavaRDD<Shard> data = jsc.parallelize(List.of(shards), partitions).cache();
        Hyper hyper = Hyper.of(config, epochsPerRound);
        Params global = Params.initial(config, train);
        boolean lowerIsBetter = config.type().predictsRatings();
        String metric = lowerIsBetter ? "rmse" : "ndcg@" + VALIDATION_K;
        Evaluator evaluator =
                Evaluator.builder().k(VALIDATION_K).sampleUsers(1000, config.seed()).build();
        List<AveragedModel.Round> rounds = new ArrayList<>();
        Params best = null;
        double bestValue = Double.NaN;
        int bestRound = 0;
        int stale = 0;
        try {
            for (int round = 1; round <= maxRounds; round++) {
                long roundStart = System.nanoTime();
                Broadcast<Params> current = jsc.broadcast(global);
                int r = round;
                List<Params> results =
                        data.map(
                                        shard ->
                                                shard.train(
                                                        vocabulary.value(),
                                                        current.value(),
                                                        hyper,
                                                        r))
                                .collect();
                current.destroy();
                global = Params.average(global, results, shards, userWeights, itemWeights, d);
                FactorModel model = global.toModel(config.type(), d, train, Map.of());
                double value =
                        lowerIsBetter
                                ? evaluator.evaluateRatings(model, validation).rmse()
                                : evaluator.evaluateRanking(model, train, validation).ndcg();
                boolean improved =
                        best == null || (lowerIsBetter ? value < bestValue : value > bestValue);
                if (improved) {
                    best = global;
                    bestValue = value;
                    bestRound = round;
                    stale = 0;
                } else {
                    stale++;
                }
                Duration took = Duration.ofNanos(System.nanoTime() - roundStart);
                rounds.add(new AveragedModel.Round(round, metric, value, improved, took));
                LOG.info(
                        "Averaging round {}: {} = {} ({} ms){}",
                        round,
                        metric,
                        String.format(Locale.ROOT, "%.5f", value),
                        took.toMillis(),
                        improved ? " best" : "");
                if (stale >= patience) {
                    break;
                }
            }
        } finally {
            data.unpersist(false);
            vocabulary.destroy();
        }
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        Map<String, String> props = new LinkedHashMap<>(config.asProperties());
        props.put("distributed", "spark-model-averaging");
        props.put("distributed.partitions", Integer.toString(partitions));
        props.put("distributed.rounds", Integer.toString(rounds.size()));
        props.put("distributed.bestRound", Integer.toString(bestRound));
        props.put("distributed.epochsPerRound", Integer.toString(epochsPerRound));
        props.put("distributed.trainRows", Integer.toString(train.size()));
        props.put("distributed.validationRows", Integer.toString(validation.size()));
        props.put("validation." + metric, String.format(Locale.ROOT, "%.5f", bestValue));
        props.put("trainingSeconds", String.format(Locale.ROOT, "%.2f", total.toMillis() / 1e3));
        FactorModel result = best.toModel(config.type(), d, train, props);
        return new AveragedModel(result, partitions, rounds, bestRound, metric, bestValue, total);
    }

    /** Deals the rows at random (seeded) into equal shards. */
    private Shard[] deal(Interactions train) {
        int n = train.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(config.seed() ^ 0xD15C);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        Shard[] shards = new Shard[partitions];
        for (int p = 0; p < partitions; p++) {
            int size = n / partitions + (p < n % partitions ? 1 : 0);
            int[] u = new int[size];
            int[] it = new int[size];
            float[] v = new float[size];
            for (int k = 0; k < size; k++) {
                int row = order[p + k * partitions];
                u[k] = train.user(row);
                it[k] = train.item(row);
                v[k] = train.value(row);
            }
            shards[p] = new Shard(p, u, it, v);
        }
        return shards;
    }

    /** The id lists, shipped once per fit. */
    record Vocabulary(ArrayList<String> users, ArrayList<String> items) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The hyperparameters a partition needs to rebuild its {@link TrainingConfig}. */
    record Hyper(
            ModelType type,
            int factors,
            int batchSize,
            float learningRate,
            float l2,
            float biasL2,
            int negatives,
            long seed,
            int threads,
            int epochs)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        static Hyper of(TrainingConfig c, int epochs) {
            return new Hyper(
                    c.type(),
                    c.factors(),
                    c.batchSize(),
                    c.learningRate(),
                    c.l2(),
                    c.biasL2(),
                    c.negatives(),
                    c.seed(),
                    c.threads(),
                    epochs);
        }

        TrainingConfig config(long seed) {
            return TrainingConfig.builder(type)
                    .factors(factors)
                    .batchSize(batchSize)
                    .learningRate(learningRate)
                    .l2(l2)
                    .biasL2(biasL2)
                    .negatives(negatives)
                    .seed(seed)
                    .threads(threads)
                    .epochs(epochs)
                    .validationFraction(0)
                    .build();
        }
    }

    /** One partition's rows, as indices into the global id maps. */
    record Shard(int partition, int[] users, int[] items, float[] values) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Trains the global parameters on this shard (runs on an executor). */
        Params train(Vocabulary vocabulary, Params global, Hyper hyper, int round) {
            IdMap userIds = IdMap.of(vocabulary.users());
            IdMap itemIds = IdMap.of(vocabulary.items());
            Interactions shard =
                    Interactions.ofIndices(
                            userIds, itemIds, null, List.of(), users, items, values, null);
            FactorModel start = global.toModel(hyper.type(), hyper.factors(), shard, Map.of());
            long seed = hyper.seed() * 31 + round * 1009L + partition;
            FactorModel trained =
                    RecommenderTrainer.create(hyper.config(seed))
                            .continueTraining(start, shard, hyper.epochs());
            return Params.of(trained);
        }
    }

    /** A model's parameters in plain arrays: what travels between driver and executors. */
    record Params(
            float[] userFactors,
            float[] itemFactors,
            float[] userBias,
            float[] itemBias,
            float globalBias)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        static Params of(FactorModel m) {
            return new Params(
                    copy(m.userFactors()),
                    copy(m.itemFactors()),
                    copy(m.userBiases()),
                    copy(m.itemBiases()),
                    m.globalBias());
        }

        private static float[] copy(FloatBuffer b) {
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }

        /**
         * The starting point: small Gaussian vectors (standard deviation {@code 0.1 / sqrt(d/8)},
         * as the single-node trainer), zero biases, the mean rating as global bias.
         */
        static Params initial(TrainingConfig config, Interactions train) {
            int d = config.factors();
            SplittableRandom random = new SplittableRandom(config.seed());
            double std = 0.1 / Math.sqrt(d / 8.0);
            float[] u = new float[Math.multiplyExact(train.numUsers(), d)];
            float[] i = new float[Math.multiplyExact(train.numItems(), d)];
            for (int k = 0; k < u.length; k++) {
                u[k] = (float) (random.nextGaussian() * std);
            }
            for (int k = 0; k < i.length; k++) {
                i[k] = (float) (random.nextGaussian() * std);
            }
            float global = config.type().predictsRatings() ? (float) train.meanValue() : 0f;
            return new Params(
                    u, i, new float[train.numUsers()], new float[train.numItems()], global);
        }

        /**
         * Averages the partitions' parameters row by row, each weighted by the examples of that row
         * in the partition; rows no partition has examples of keep {@code global}'s values.
         */
        static Params average(
                Params global,
                List<Params> parts,
                Shard[] shards,
                double[][] userWeights,
                double[][] itemWeights,
                int d) {
            int users = global.userBias.length;
            int items = global.itemBias.length;
            float[] uf = new float[global.userFactors.length];
            float[] itf = new float[global.itemFactors.length];
            float[] ub = new float[users];
            float[] ib = new float[items];
            averageRows(global.userFactors, global.userBias, parts, true, userWeights, d, uf, ub);
            averageRows(global.itemFactors, global.itemBias, parts, false, itemWeights, d, itf, ib);
            double g = 0;
            double total = 0;
            for (int p = 0; p < parts.size(); p++) {
                g += (double) shards[p].users().length * parts.get(p).globalBias;
                total += shards[p].users().length;
            }
            return new Params(uf, itf, ub, ib, (float) (g / total));
        }

        private static void averageRows(
                float[] globalFactors,
                float[] globalBias,
                List<Params> parts,
                boolean user,
                double[][] weights,
                int d,
                float[] outFactors,
                float[] outBias) {
            int rows = globalBias.length;
            double[] acc = new double[d + 1];
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(acc, 0);
                double total = 0;
                for (int p = 0; p < parts.size(); p++) {
                    double w = weights[p][r];
                    if (w == 0) {
                        continue;
                    }
                    Params part = parts.get(p);
                    float[] f = user ? part.userFactors : part.itemFactors;
                    float[] b = user ? part.userBias : part.itemBias;
                    for (int k = 0; k < d; k++) {
                        acc[k] += w * f[r * d + k];
                    }
                    acc[d] += w * b[r];
                    total += w;
                }
                if (total == 0) {
                    System.arraycopy(globalFactors, r * d, outFactors, r * d, d);
                    outBias[r] = globalBias[r];
                } else {
                    for (int k = 0; k < d; k++) {
                        outFactors[r * d + k] = (float) (acc[k] / total);
                    }
                    outBias[r] = (float) (acc[d] / total);
                }
            }
        }

        FactorModel toModel(
                ModelType type, int d, Interactions data, Map<String, String> properties) {
            return new FactorModel(
                    type,
                    d,
                    data.users(),
                    data.items(),
                    data.hasItemMetadata() ? data.catalogue() : null,
                    data.genres(),
                    userFactors,
                    itemFactors,
                    type == ModelType.BPR_MF ? new float[userBias.length] : userBias,
                    itemBias,
                    type == ModelType.BPR_MF ? 0f : globalBias,
                    type.predictsRatings() ? data.minValue() : Float.NaN,
                    type.predictsRatings() ? data.maxValue() : Float.NaN,
                    properties);
        }
    }

    /** Builds {@link AveragingTrainer}s. Not thread-safe. */
    public static final class Builder {
        private final TrainingConfig config;
        private int partitions = 2;
        private int maxRounds = 30;
        private int patience = 2;
        private int epochsPerRound = 1;

        private Builder(TrainingConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            if (config.type() == ModelType.TWO_TOWER) {
                throw new IllegalArgumentException(
                        "model averaging supports BIASED_MF and BPR_MF, not TWO_TOWER");
            }
        }

        /** Sets the number of shards, one Spark partition each; default 2. */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** Sets the most rounds; default 30. */
        public Builder maxRounds(int rounds) {
            if (rounds < 1) {
                throw new IllegalArgumentException("maxRounds must be >= 1, was " + rounds);
            }
            this.maxRounds = rounds;
            return this;
        }

        /** Sets how many rounds without improvement end training; default 2. */
        public Builder patience(int rounds) {
            if (rounds < 1) {
                throw new IllegalArgumentException("patience must be >= 1, was " + rounds);
            }
            this.patience = rounds;
            return this;
        }

        /** Sets the local epochs each partition runs per round; default 1. */
        public Builder epochsPerRound(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochsPerRound must be >= 1, was " + epochs);
            }
            this.epochsPerRound = epochs;
            return this;
        }

        /** Returns the trainer. */
        public AveragingTrainer build() {
            return new AveragingTrainer(this);
        }
    }
}
