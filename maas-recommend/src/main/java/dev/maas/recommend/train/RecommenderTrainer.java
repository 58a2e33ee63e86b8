package dev.maas.recommend.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.maas.EngineUnavailableException;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.Evaluator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains recommendation models with DJL on the PyTorch engine: the model is a DJL block, every
 * mini-batch runs forward and backward under a {@link GradientCollector}, and a DJL {@link Trainer}
 * applies Adam. The result is a {@link FactorModel}.
 *
 * <pre>{@code
 * TrainingResult result =
 *         RecommenderTrainer.create(TrainingConfig.defaults(ModelType.BIASED_MF))
 *                 .fit(split.train(), stats -> System.out.println(stats));
 * FactorModel model = result.model();
 * }</pre>
 *
 * <p><b>Objectives.</b> {@link ModelType#BIASED_MF}: mean squared error of the predicted rating
 * plus {@code l2 * (|p_u|^2 + |q_i|^2) + biasL2 * (b_u^2 + b_i^2)} averaged over the batch. {@link
 * ModelType#BPR_MF} and {@link ModelType#TWO_TOWER}: every training row is a positive; for each,
 * {@code negatives} items the user never interacted with are drawn uniformly; the loss is {@code
 * softplus(-(s(u,pos) - s(u,neg)))} (the negative log-likelihood of ranking the positive first)
 * plus the L2 terms on the embeddings involved.
 *
 * <p><b>Early stopping.</b> A seeded random {@code validationFraction} of the training rows is held
 * out; after each epoch the model is scored on it (RMSE for ratings; NDCG@10 over the full
 * catalogue, on up to 1000 users, for the implicit models); training stops after {@code patience}
 * epochs without improvement and returns the best epoch's parameters.
 *
 * <p><b>Determinism.</b> Parameters are initialised in Java from the seed, and shuffling, negative
 * sampling and the validation split use seeded generators; the engine's own generator is seeded too
 * ({@link Engine#setRandomSeed}). Two runs with the same data, configuration and thread count give
 * identical models; the batch-preparation thread works through batches in order, so it changes
 * nothing. With more than one intra-op thread PyTorch may sum in a different order, so results can
 * differ in the last bits between thread counts (the default of one thread avoids this).
 *
 * <p><b>Threads.</b> Training sets PyTorch's intra-op thread count, a process-wide setting, to
 * {@link TrainingConfig#threads()} (1 by default, see {@link TrainingConfig.Builder} for the
 * measurements behind it); a second thread prepares mini-batches ahead of the optimiser, and
 * validation scores users on the common fork-join pool. Instances are immutable and may be shared;
 * {@link #fit} may be called from any thread, but DJL's PyTorch gradient recording is process-wide,
 * so trainings in one JVM run one at a time (a second call waits for the first).
 */
public final class RecommenderTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(RecommenderTrainer.class);
    private static final ReentrantLock ONE_AT_A_TIME = new ReentrantLock();
    private static final int VALIDATION_USERS = 1000;
    private static final int VALIDATION_K = 10;

    private final TrainingConfig config;

    private RecommenderTrainer(TrainingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Returns a trainer for {@code config}. */
    public static RecommenderTrainer create(TrainingConfig config) {
        return new RecommenderTrainer(config);
    }

    /** Returns the configuration. */
    public TrainingConfig config() {
        return config;
    }

    /** Trains on {@code train}, holding out the configured validation share; no progress. */
    public TrainingResult fit(Interactions train) {
        return fit(train, TrainingListener.NONE);
    }

    /**
     * Trains on {@code train}, holding out the configured validation share for early stopping.
     *
     * @throws IllegalArgumentException if the data is empty
     * @throws IllegalStateException if training diverges (the loss stops being finite)
     * @throws EngineUnavailableException if the PyTorch engine cannot start
     */
    public TrainingResult fit(Interactions train, TrainingListener listener) {
        Objects.requireNonNull(train, "train");
        if (config.type() != ModelType.EASE
                && config.validationFraction() > 0
                && train.size() >= 20) {
            Split split =
                    Splits.randomHoldout(
                            train, config.validationFraction(), config.seed() ^ 0x5EED);
            TrainingResult chosen = fit(split.train(), split.test(), listener);
            if (!config.retrainOnAll()) {
                return chosen;
            }
            return retrainOnAll(train, chosen, listener);
        }
        return fit(train, null, listener);
    }

    /**
     * Trains again on every row of {@code train} for the epoch count {@code chosen} stopped at,
     * without validation, and returns that model with {@code chosen}'s history.
     */
    private TrainingResult retrainOnAll(
            Interactions train, TrainingResult chosen, TrainingListener listener) {
        TrainingConfig again =
                config.toBuilder().epochs(chosen.bestEpoch()).validationFraction(0).build();
        TrainingResult all = new RecommenderTrainer(again).fit(train, null, listener);
        Map<String, String> props = new LinkedHashMap<>(chosen.model().properties());
        props.put("retrainOnAll", "true");
        props.put("retrainedRows", Integer.toString(train.size()));
        props.put("retrainedEpochs", Integer.toString(chosen.bestEpoch()));
        props.put(
                "trainingSeconds",
                String.format(
                        Locale.ROOT,
                        "%.2f",
                        chosen.duration().plus(all.duration()).toMillis() / 1000.0));
        return new TrainingResult(
                all.model().withProperties(props),
                config,
                chosen.epochs(),
                chosen.bestEpoch(),
                chosen.duration().plus(all.duration()));
    }

    /**
     * Trains on {@code train} and stops early on {@code validation} (which must share its index
     * space); with a {@code null} validation set it runs every epoch.
     *
     * @throws IllegalArgumentException if the data is empty or the sets do not share an index space
     * @throws IllegalStateException if training diverges (the loss stops being finite)
     * @throws EngineUnavailableException if the PyTorch engine cannot start
     */
    public TrainingResult fit(
            Interactions train, Interactions validation, TrainingListener listener) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(listener, "listener");
        if (train.size() == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        if (validation != null && !train.sharesIndexWith(validation)) {
            throw new IllegalArgumentException(
                    "validation must share the training set's user and item id maps");
        }
        if (validation != null && validation.size() == 0) {
            validation = null;
        }
        if (config.solvedInJava()) {
            return runSolved(train, validation, listener);
        }
        ONE_AT_A_TIME.lock();
        try {
            return run(train, validation, listener);
        } finally {
            ONE_AT_A_TIME.unlock();
        }
    }

    /**
     * Trains {@code start} further on {@code shard} for {@code epochs} epochs and returns the
     * parameters reached, without validation or early stopping: one worker's share of a round of
     * data-parallel training by model averaging, where every worker starts from the same global
     * parameters and a coordinator averages what they return. Mini-batches, loss and optimiser are
     * those of {@link #fit}; the optimiser's state (Adam's moments) starts fresh on each call. The
     * shuffling and negative sampling follow the configured seed.
     *
     * <p>Rows of {@code shard} are indices into {@code start}'s id maps, so users or items absent
     * from the shard keep their parameters except for the L2 pull of rows they do appear in (they
     * appear in none, so they are left unchanged).
     *
     * @throws IllegalArgumentException if the configured type is {@link ModelType#TWO_TOWER} or not
     *     {@code start}'s type, the factor counts differ, {@code shard} is empty or does not use
     *     {@code start}'s user and item ids, or {@code epochs < 1}
     * @throws IllegalStateException if training diverges
     * @throws EngineUnavailableException if the PyTorch engine cannot start
     */
    public FactorModel continueTraining(FactorModel start, Interactions shard, int epochs) {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(shard, "shard");
        if (config.type() == ModelType.TWO_TOWER) {
            throw new IllegalArgumentException(
                    "continueTraining supports BIASED_MF and BPR_MF, not TWO_TOWER (its tower"
                            + " weights are not part of a FactorModel)");
        }
        if (start.type() != config.type() || start.dim() != config.factors()) {
            throw new IllegalArgumentException(
                    "the start model is "
                            + start.type()
                            + " with "
                            + start.dim()
                            + " factors; this trainer is configured for "
                            + config.type()
                            + " with "
                            + config.factors());
        }
        if (shard.size() == 0) {
            throw new IllegalArgumentException("the shard is empty");
        }
        if (!start.users().equals(shard.users()) || !start.items().equals(shard.items())) {
            throw new IllegalArgumentException(
                    "the shard's ids ("
                            + shard.numUsers()
                            + " users, "
                            + shard.numItems()
                            + " items) are not the start model's ("
                            + start.numUsers()
                            + " users, "
                            + start.numItems()
                            + " items); build shards with Interactions.ofIndices over the"
                            + " model's id maps");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, was " + epochs);
        }
        ONE_AT_A_TIME.lock();
        try {
            return runFrom(start, shard, epochs);
        } finally {
            ONE_AT_A_TIME.unlock();
        }
    }

    private FactorModel runFrom(FactorModel start, Interactions shard, int epochs) {
        prepareEngine();
        SplittableRandom random = new SplittableRandom(config.seed());
        Task task =
                config.type() == ModelType.BIASED_MF
                        ? new ExplicitTask(shard, config)
                        : new BprTask(shard, config);
        ExecutorService preparer = newPreparer();
        try (Model model = newModel(task);
                Trainer trainer = model.newTrainer(trainingConfig())) {
            trainer.initialize(task.inputShapes(config.batchSize()));
            task.initializeFrom(start);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                task.beginEpoch(random.split());
                EpochLoss epochLoss =
                        trainEpoch(task, trainer, preparer, epoch, 0, TrainingListener.NONE);
                double lossSum = epochLoss.sum();
                long done = epochLoss.examples();
                if (!Double.isFinite(lossSum)) {
                    throw new IllegalStateException(
                            String.format(
                                    Locale.ROOT,
                                    "training diverged: the loss is %s in epoch %d; lower the"
                                            + " learning rate (was %s)",
                                    lossSum / Math.max(1, done),
                                    epoch,
                                    config.learningRate()));
                }
            }
            return task.snapshot(trainer.getManager(), start.properties());
        } catch (EngineException e) {
            throw new EngineUnavailableException(
                    "the PyTorch engine failed during training: " + e.getMessage(), e);
        } finally {
            preparer.shutdownNow();
        }
    }

    private TrainingResult run(
            Interactions train, Interactions validation, TrainingListener listener) {
        long started = System.nanoTime();
        prepareEngine();
        SplittableRandom random = new SplittableRandom(config.seed());
        Task task =
                switch (config.type()) {
                    case BIASED_MF -> new ExplicitTask(train, config);
                    case BPR_MF -> new BprTask(train, config);
                    case TWO_TOWER -> new TwoTowerTask(train, config);
                    case EASE, IALS, SVDPP ->
                            throw new IllegalStateException(config.type() + " is solved in Java");
                };
        boolean lowerIsBetter = config.type().predictsRatings();
        String metric = lowerIsBetter ? "rmse" : "ndcg@" + VALIDATION_K;
        Evaluator evaluator =
                Evaluator.builder()
                        .k(VALIDATION_K)
                        .sampleUsers(VALIDATION_USERS, config.seed())
                        .build();
        List<EpochStats> history = new ArrayList<>();
        FactorModel best = null;
        int bestEpoch = 0;
        double bestValue = Double.NaN;
        ExecutorService preparer = newPreparer();
        try (Model model = newModel(task);
                Trainer trainer = model.newTrainer(trainingConfig())) {
            trainer.initialize(task.inputShapes(config.batchSize()));
            task.initialize(random.split());
            long perEpoch = task.examplesPerEpoch();
            int stale = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                task.beginEpoch(random.split());
                EpochLoss epochLoss =
                        trainEpoch(task, trainer, preparer, epoch, perEpoch, listener);
                double lossSum = epochLoss.sum();
                long done = epochLoss.examples();
                double trainLoss = lossSum / Math.max(1, done);
                checkFinite(trainLoss, epoch);
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                FactorModel snapshot = task.snapshot(trainer.getManager(), Map.of());
                double value = Double.NaN;
                boolean improved;
                if (validation != null) {
                    value =
                            lowerIsBetter
                                    ? evaluator.evaluateRatings(snapshot, validation).rmse()
                                    : evaluator.evaluateRanking(snapshot, train, validation).ndcg();
                    improved =
                            best == null || (lowerIsBetter ? value < bestValue : value > bestValue);
                } else {
                    improved = true;
                }
                if (improved) {
                    best = snapshot;
                    bestEpoch = epoch;
                    bestValue = value;
                    stale = 0;
                } else {
                    stale++;
                }
                EpochStats stats =
                        new EpochStats(
                                epoch,
                                config.epochs(),
                                trainLoss,
                                metric,
                                value,
                                improved,
                                done / seconds,
                                Duration.ofNanos(System.nanoTime() - epochStart));
                history.add(stats);
                LOG.debug("{}", stats);
                listener.onEpoch(stats);
                if (validation != null && stale >= config.patience()) {
                    break;
                }
            }
        } catch (EngineException e) {
            throw new EngineUnavailableException(
                    "the PyTorch engine failed during training: " + e.getMessage(), e);
        } finally {
            preparer.shutdownNow();
        }
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        Map<String, String> props = new LinkedHashMap<>(config.asProperties());
        props.put("trainRows", Integer.toString(train.size()));
        props.put("validationRows", Integer.toString(validation == null ? 0 : validation.size()));
        props.put("bestEpoch", Integer.toString(bestEpoch));
        props.put("epochsRun", Integer.toString(history.size()));
        if (!Double.isNaN(bestValue)) {
            props.put("validation." + metric, String.format(Locale.ROOT, "%.5f", bestValue));
        }
        props.put("trainingSeconds", String.format(Locale.ROOT, "%.2f", total.toMillis() / 1000.0));
        FactorModel result = best.withProperties(props);
        LOG.info(
                "Trained {} in {} ms: {} epochs, best {} = {}",
                config.type(),
                total.toMillis(),
                history.size(),
                metric,
                bestValue);
        return new TrainingResult(result, config, history, bestEpoch, total);
    }

    /**
     * Finds the PyTorch engine, sets its intra-op threads to the configured count and seeds its
     * generator.
     */
    private void prepareEngine() {
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (EngineException | IllegalArgumentException e) {
            throw new EngineUnavailableException(
                    "training needs the PyTorch engine; add the Maven artifact"
                            + " dev.maas:maas-engine-pytorch ("
                            + e.getMessage()
                            + ")",
                    e);
        }
        if (JniUtils.getNumThreads() != config.threads()) {
            LOG.debug("Setting PyTorch intra-op threads to {}", config.threads());
            JniUtils.setNumThreads(config.threads());
        }
        engine.setRandomSeed((int) (config.seed() ^ (config.seed() >>> 32)));
    }

    /** The daemon thread that prepares mini-batches ahead of the optimiser. */
    private static ExecutorService newPreparer() {
        return Executors.newSingleThreadExecutor(
                r -> {
                    Thread t = new Thread(r, "maas-train-batches");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** A CPU model holding {@code task}'s block; closed again if the block cannot be set. */
    private Model newModel(Task task) {
        Model model = Model.newInstance("maas-" + config.type(), Device.cpu(), "PyTorch");
        try {
            model.setBlock(task.block());
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** CPU, zero-initialised parameters and Adam at the configured fixed learning rate. */
    private DefaultTrainingConfig trainingConfig() {
        return new DefaultTrainingConfig(Loss.l2Loss())
                .optDevices(new Device[] {Device.cpu()})
                .optInitializer(Initializer.ZEROS, p -> true)
                .optOptimizer(
                        Adam.builder()
                                .optLearningRateTracker(Tracker.fixed(config.learningRate()))
                                .build());
    }

    /** The summed per-example loss of one epoch and the examples it covered. */
    private record EpochLoss(double sum, long examples) {}

    /**
     * One pass over the task's mini-batches in order: forward, loss, backward and an optimiser step
     * each, with {@code listener} told after every batch.
     */
    private static EpochLoss trainEpoch(
            Task task,
            Trainer trainer,
            ExecutorService preparer,
            int epoch,
            long perEpoch,
            TrainingListener listener) {
        double lossSum = 0;
        long done = 0;
        BatchPipeline pipeline = new BatchPipeline(task, preparer);
        for (int b = 0; b < task.batches(); b++) {
            Task.HostBatch host = pipeline.next(b);
            try (NDManager batchManager = trainer.getManager().newSubManager()) {
                Task.Batch batch = task.upload(batchManager, host);
                NDArray loss;
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(batch.inputs());
                    loss = task.loss(out, batch);
                    collector.backward(loss);
                }
                trainer.step();
                lossSum += loss.getFloat() * batch.size();
                done += batch.size();
            }
            listener.onBatch(epoch, done, perEpoch);
        }
        return new EpochLoss(lossSum, done);
    }

    /**
     * @throws IllegalStateException if {@code loss}, the mean training loss of {@code epoch}, is
     *     not finite: training diverged
     */
    private void checkFinite(double loss, int epoch) {
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "training diverged: the loss is %s in epoch %d; lower the"
                                    + " learning rate (was %s) or raise l2 (was %s)",
                            loss,
                            epoch,
                            config.learningRate(),
                            config.l2()));
        }
    }

    /** Trains a model solved in Java (EASE, iALS, SVD++): no engine, no mini-batches. */
    private TrainingResult runSolved(
            Interactions train, Interactions validation, TrainingListener listener) {
        long started = System.nanoTime();
        List<EpochStats> history = new ArrayList<>();
        FactorModel best;
        int bestEpoch = 1;
        double bestValue = Double.NaN;
        boolean lowerIsBetter = config.type().predictsRatings();
        String metric = lowerIsBetter ? "rmse" : "ndcg@" + VALIDATION_K;
        if (config.type() == ModelType.EASE) {
            best = EaseSolver.fit(train, config);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            if (validation != null) {
                bestValue = validate(best, train, validation, lowerIsBetter);
            }
            EpochStats stats =
                    new EpochStats(
                            1,
                            1,
                            Double.NaN,
                            metric,
                            bestValue,
                            true,
                            train.size() / Math.max(1e-9, took.toNanos() / 1e9),
                            took);
            history.add(stats);
            listener.onBatch(1, train.size(), train.size());
            listener.onEpoch(stats);
        } else {
            SplittableRandom random = new SplittableRandom(config.seed());
            IterativeSolver solver =
                    config.type() == ModelType.IALS
                            ? new IalsSolver(train, config, random)
                            : new SvdppSolver(train, config, random);
            best = null;
            int stale = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                double loss = solver.epoch();
                checkFinite(loss, epoch);
                FactorModel snapshot = solver.snapshot(Map.of());
                double value = Double.NaN;
                boolean improved = true;
                if (validation != null) {
                    value = validate(snapshot, train, validation, lowerIsBetter);
                    improved =
                            Double.isNaN(bestValue)
                                    || (lowerIsBetter ? value < bestValue : value > bestValue);
                }
                if (improved) {
                    best = snapshot;
                    bestEpoch = epoch;
                    bestValue = value;
                    stale = 0;
                } else {
                    stale++;
                }
                listener.onBatch(epoch, train.size(), train.size());
                Duration took = Duration.ofNanos(System.nanoTime() - epochStart);
                EpochStats stats =
                        new EpochStats(
                                epoch,
                                config.epochs(),
                                loss,
                                metric,
                                value,
                                improved,
                                train.size() / Math.max(1e-9, took.toNanos() / 1e9),
                                took);
                history.add(stats);
                LOG.debug("{}", stats);
                listener.onEpoch(stats);
                if (validation != null && stale >= config.patience()) {
                    break;
                }
            }
        }
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        Map<String, String> props = new LinkedHashMap<>(config.asProperties());
        props.put("trainRows", Integer.toString(train.size()));
        props.put("validationRows", Integer.toString(validation == null ? 0 : validation.size()));
        props.put("bestEpoch", Integer.toString(bestEpoch));
        props.put("epochsRun", Integer.toString(history.size()));
        if (!Double.isNaN(bestValue)) {
            props.put("validation." + metric, String.format(Locale.ROOT, "%.5f", bestValue));
        }
        props.put("trainingSeconds", String.format(Locale.ROOT, "%.2f", total.toMillis() / 1000.0));
        LOG.info(
                "Trained {} in {} ms: {} epochs, best {} = {}",
                config.type(),
                total.toMillis(),
                history.size(),
                metric,
                bestValue);
        return new TrainingResult(best.withProperties(props), config, history, bestEpoch, total);
    }

    private double validate(
            FactorModel model, Interactions train, Interactions validation, boolean ratings) {
        Evaluator evaluator =
                Evaluator.builder()
                        .k(VALIDATION_K)
                        .sampleUsers(VALIDATION_USERS, config.seed())
                        .build();
        if (ratings) {
            return evaluator.evaluateRatings(model, validation).rmse();
        }
        try {
            return evaluator.evaluateRanking(model, train, validation).ndcg();
        } catch (IllegalArgumentException noRelevantUser) {
            return 0;
        }
    }

    /**
     * Prepares the batches of one epoch on a second thread, a few ahead of the optimiser, so that
     * index arrays and negative sampling (Java) overlap with the engine's work. The single
     * preparation thread works through the batches in order, so sampling is as deterministic as on
     * one thread.
     */
    private static final class BatchPipeline {
        private static final int AHEAD = 3;
        private final Task task;
        private final ExecutorService preparer;
        private final List<Future<Task.HostBatch>> queued = new ArrayList<>();
        private int submitted;

        BatchPipeline(Task task, ExecutorService preparer) {
            this.task = task;
            this.preparer = preparer;
        }

        Task.HostBatch next(int index) {
            while (submitted < task.batches() && submitted <= index + AHEAD) {
                int b = submitted++;
                queued.add(preparer.submit(() -> task.prepare(b)));
            }
            try {
                return queued.set(index, null).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while preparing a batch", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("preparing a batch failed: " + cause, cause);
            }
        }
    }

    // ------------------------------------------------------------------ tasks

    /** One model type's data handling, loss and parameter read-out. */
    abstract static class Task {
        final Interactions train;
        final TrainingConfig config;

        Task(Interactions train, TrainingConfig config) {
            this.train = train;
            this.config = config;
        }

        record Batch(NDList inputs, NDArray labels, int size) {}

        /**
         * A batch in Java arrays, made on the preparation thread: user, item and negative indices,
         * values (ratings) and the two-tower mask; unused fields are null.
         */
        record HostBatch(
                int size,
                long[] users,
                long[] items,
                long[] negatives,
                float[] values,
                float[] mask) {}

        abstract Block block();

        abstract Shape[] inputShapes(int batchSize);

        abstract void initialize(SplittableRandom random);

        /** Sets the parameters to {@code start}'s (same type, ids and factor count). */
        void initializeFrom(FactorModel start) {
            throw new UnsupportedOperationException(getClass().getSimpleName());
        }

        /** A {@code rows x (d+1)} table: each row's vector followed by its bias. */
        static float[] withBias(
                java.nio.FloatBuffer vectors, java.nio.FloatBuffer biases, int rows, int d) {
            float[] t = new float[Math.multiplyExact(rows, d + 1)];
            for (int r = 0; r < rows; r++) {
                vectors.get(r * d, t, r * (d + 1), d);
                t[r * (d + 1) + d] = biases.get(r);
            }
            return t;
        }

        /** The training rows in this epoch's order. */
        int[] order;

        /** Returns the examples one epoch shows: every training row once. */
        long examplesPerEpoch() {
            return train.size();
        }

        /** Shuffles the training rows for a new epoch. */
        void beginEpoch(SplittableRandom random) {
            order = shuffled(random, train.size());
        }

        /** Returns how many batches one epoch has. */
        int batches() {
            return (train.size() + config.batchSize() - 1) / config.batchSize();
        }

        /**
         * Prepares batch {@code index} of the current epoch in Java arrays. Called on the
         * preparation thread, in batch order, so seeded sampling stays deterministic.
         */
        abstract HostBatch prepare(int index);

        /** Copies a prepared batch into NDArrays of {@code manager} (training thread). */
        abstract Batch upload(NDManager manager, HostBatch host);

        abstract NDArray loss(NDList outputs, Batch batch);

        abstract FactorModel snapshot(NDManager manager, Map<String, String> properties);

        static NDArray squaredNorms(NDArray rows) {
            return rows.square().sum(new int[] {1});
        }

        int[] shuffled(SplittableRandom random, int n) {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return order;
        }

        List<ItemInfo> catalogue() {
            return train.hasItemMetadata() ? train.catalogue() : null;
        }

        /**
         * Draws an item {@code user} has not interacted with, uniformly; a user who has seen nearly
         * everything keeps the last draw after a bounded number of tries.
         */
        int unseenItem(SplittableRandom random, int user) {
            int items = train.numItems();
            int j = random.nextInt(items);
            for (int tries = 0; tries < 64 && train.contains(user, j); tries++) {
                j = random.nextInt(items);
            }
            return j;
        }

        /** Initial {@code rows x (d+1)} table: small Gaussian vectors, zero bias column. */
        static float[] withBiasColumn(SplittableRandom random, int rows, int d) {
            double std = initStd(d);
            float[] t = new float[Math.multiplyExact(rows, d + 1)];
            for (int r = 0; r < rows; r++) {
                for (int f = 0; f < d; f++) {
                    t[r * (d + 1) + f] = (float) (random.nextGaussian() * std);
                }
            }
            return t;
        }

        /** Standard deviation of initial embeddings: dot products start near 0.01 in scale. */
        static double initStd(int d) {
            return 0.1 / Math.sqrt(d / 8.0);
        }

        /** The first {@code d} columns of a {@code rows x (d+1)} table. */
        static float[] vectors(float[] table, int rows, int d) {
            float[] v = new float[Math.multiplyExact(rows, d)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(table, r * (d + 1), v, r * d, d);
            }
            return v;
        }

        /** The last column of a {@code rows x (d+1)} table. */
        static float[] biasColumn(float[] table, int rows, int d) {
            float[] b = new float[rows];
            for (int r = 0; r < rows; r++) {
                b[r] = table[r * (d + 1) + d];
            }
            return b;
        }
    }

    /** Biased MF on explicit ratings. */
    static final class ExplicitTask extends Task {
        private final MfBlock block;
        private final float mean;

        ExplicitTask(Interactions train, TrainingConfig config) {
            super(train, config);
            block = new MfBlock(train.numUsers(), train.numItems(), config.factors(), true);
            mean = (float) train.meanValue();
        }

        @Override
        Block block() {
            return block;
        }

        @Override
        Shape[] inputShapes(int batchSize) {
            return new Shape[] {new Shape(batchSize), new Shape(batchSize)};
        }

        @Override
        void initialize(SplittableRandom random) {
            int d = config.factors();
            Embeddings.fill(block.users, withBiasColumn(random, train.numUsers(), d));
            Embeddings.fill(block.items, withBiasColumn(random, train.numItems(), d));
            Embeddings.fill(block.global, new float[] {mean});
        }

        @Override
        void initializeFrom(FactorModel start) {
            int d = config.factors();
            Embeddings.fill(
                    block.users,
                    withBias(start.userFactors(), start.userBiases(), train.numUsers(), d));
            Embeddings.fill(
                    block.items,
                    withBias(start.itemFactors(), start.itemBiases(), train.numItems(), d));
            Embeddings.fill(block.global, new float[] {start.globalBias()});
        }

        @Override
        HostBatch prepare(int index) {
            int from = index * config.batchSize();
            int n = Math.min(config.batchSize(), train.size() - from);
            long[] u = new long[n];
            long[] i = new long[n];
            float[] r = new float[n];
            for (int k = 0; k < n; k++) {
                int row = order[from + k];
                u[k] = train.user(row);
                i[k] = train.item(row);
                r[k] = train.value(row);
            }
            return new HostBatch(n, u, i, null, r, null);
        }

        @Override
        Batch upload(NDManager manager, HostBatch h) {
            return new Batch(
                    new NDList(manager.create(h.users()), manager.create(h.items())),
                    manager.create(h.values()),
                    h.size());
        }

        @Override
        NDArray loss(NDList out, Batch batch) {
            NDArray error = out.get(0).sub(batch.labels());
            NDArray mse = error.square().mean();
            NDArray factors = squaredNorms(out.get(1)).add(squaredNorms(out.get(2))).mean();
            NDArray biases = out.get(3).square().add(out.get(4).square()).mean();
            return mse.add(factors.mul(config.l2())).add(biases.mul(config.biasL2()));
        }

        @Override
        FactorModel snapshot(NDManager manager, Map<String, String> properties) {
            int d = config.factors();
            float[] users = block.users.getArray().toFloatArray();
            float[] items = block.items.getArray().toFloatArray();
            return new FactorModel(
                    ModelType.BIASED_MF,
                    d,
                    train.users(),
                    train.items(),
                    catalogue(),
                    train.genres(),
                    vectors(users, train.numUsers(), d),
                    vectors(items, train.numItems(), d),
                    biasColumn(users, train.numUsers(), d),
                    biasColumn(items, train.numItems(), d),
                    block.global.getArray().getFloat(0),
                    train.minValue(),
                    train.maxValue(),
                    properties,
                    true);
        }
    }

    /** BPR-MF: each positive with {@code negatives} negatives of its own. */
    static final class BprTask extends Task {
        private final MfBlock block;
        private final int negatives;
        private SplittableRandom sampler;

        BprTask(Interactions train, TrainingConfig config) {
            super(train, config);
            this.negatives = config.negatives();
            block = new MfBlock(train.numUsers(), train.numItems(), config.factors(), false);
        }

        @Override
        Block block() {
            return block;
        }

        @Override
        Shape[] inputShapes(int batchSize) {
            Shape s = new Shape(batchSize);
            return new Shape[] {s, s, new Shape(batchSize, negatives)};
        }

        @Override
        void initialize(SplittableRandom random) {
            int d = config.factors();
            Embeddings.fill(
                    block.users,
                    Embeddings.gaussian(random, (long) train.numUsers() * d, initStd(d)));
            Embeddings.fill(block.items, withBiasColumn(random, train.numItems(), d));
        }

        @Override
        void initializeFrom(FactorModel start) {
            int d = config.factors();
            float[] users = new float[Math.multiplyExact(train.numUsers(), d)];
            start.userFactors().get(0, users);
            Embeddings.fill(block.users, users);
            Embeddings.fill(
                    block.items,
                    withBias(start.itemFactors(), start.itemBiases(), train.numItems(), d));
        }

        @Override
        void beginEpoch(SplittableRandom random) {
            super.beginEpoch(random);
            sampler = random.split();
        }

        @Override
        HostBatch prepare(int index) {
            int from = index * config.batchSize();
            int n = Math.min(config.batchSize(), train.size() - from);
            long[] u = new long[n];
            long[] pos = new long[n];
            long[] neg = new long[n * negatives];
            for (int k = 0; k < n; k++) {
                int row = order[from + k];
                int user = train.user(row);
                u[k] = user;
                pos[k] = train.item(row);
                for (int s = 0; s < negatives; s++) {
                    neg[k * negatives + s] = unseenItem(sampler, user);
                }
            }
            return new HostBatch(n, u, pos, neg, null, null);
        }

        @Override
        Batch upload(NDManager manager, HostBatch h) {
            return new Batch(
                    new NDList(
                            manager.create(h.users()),
                            manager.create(h.items()),
                            manager.create(h.negatives(), new Shape(h.size(), negatives))),
                    null,
                    h.size());
        }

        @Override
        NDArray loss(NDList out, Batch batch) {
            NDArray ranking = Activation.softPlus(out.get(0).neg()).mean();
            // Per positive-negative pair: |p_u|^2 + |q_pos|^2 + |q_neg|^2 (as in classic BPR).
            NDArray norms =
                    squaredNorms(out.get(1))
                            .mean()
                            .add(squaredNorms(out.get(2)).mean())
                            .add(out.get(3).square().sum(new int[] {-1}).mean());
            NDArray biases = out.get(4).square().mean().add(out.get(5).square().mean());
            return ranking.add(norms.mul(config.l2())).add(biases.mul(config.biasL2()));
        }

        @Override
        FactorModel snapshot(NDManager manager, Map<String, String> properties) {
            int d = config.factors();
            int items = train.numItems();
            float[] table = block.items.getArray().toFloatArray();
            return new FactorModel(
                    ModelType.BPR_MF,
                    d,
                    train.users(),
                    train.items(),
                    catalogue(),
                    train.genres(),
                    block.users.getArray().toFloatArray(),
                    vectors(table, items, d),
                    new float[train.numUsers()],
                    biasColumn(table, items, d),
                    0f,
                    Float.NaN,
                    Float.NaN,
                    properties,
                    true);
        }
    }

    /**
     * The two-tower model: each batch of positives shares {@code negatives} uniformly sampled
     * items, and the loss is the softmax cross-entropy of each positive against them.
     */
    static final class TwoTowerTask extends Task {
        private static final float MASKED = -1e9f;
        private final TwoTowerBlock towers;
        private final int shared;
        private final int[] slot;
        private SplittableRandom sampler;

        TwoTowerTask(Interactions train, TrainingConfig config) {
            super(train, config);
            this.shared = Math.min(config.negatives(), train.numItems());
            this.slot = new int[train.numItems()];
            java.util.Arrays.fill(slot, -1);
            towers =
                    new TwoTowerBlock(
                            train.numUsers(),
                            train.numItems(),
                            train.genres().size(),
                            config.factors(),
                            config.hiddenUnits(),
                            config.factors());
        }

        @Override
        Block block() {
            return towers;
        }

        @Override
        Shape[] inputShapes(int batchSize) {
            Shape s = new Shape(batchSize);
            return new Shape[] {s, s, new Shape(shared), new Shape(batchSize, shared)};
        }

        @Override
        void initialize(SplittableRandom random) {
            TwoTowerBlock t = towers;
            int e = t.embedding;
            double std = initStd(e);
            Embeddings.fill(
                    t.userEmb, Embeddings.gaussian(random, (long) train.numUsers() * e, std));
            Embeddings.fill(
                    t.itemEmb, Embeddings.gaussian(random, (long) train.numItems() * e, std));
            if (t.genres > 0) {
                Embeddings.fill(t.genreEmb, Embeddings.gaussian(random, (long) t.genres * e, std));
                Embeddings.fill(t.itemGenres, genreMatrix());
            }
            Embeddings.fill(t.userW1, Embeddings.glorot(random, e, t.hidden));
            Embeddings.fill(t.userB1, new float[t.hidden]);
            Embeddings.fill(t.userW2, Embeddings.glorot(random, t.hidden, t.dim));
            Embeddings.fill(t.userB2, new float[t.dim]);
            Embeddings.fill(t.itemW1, Embeddings.glorot(random, t.itemInput(), t.hidden));
            Embeddings.fill(t.itemB1, new float[t.hidden]);
            Embeddings.fill(t.itemW2, Embeddings.glorot(random, t.hidden, t.dim));
        }

        /** Item-by-genre matrix with each row summing to 1 (all zeros for items without genres). */
        private float[] genreMatrix() {
            List<String> genres = train.genres();
            Map<String, Integer> index = new HashMap<>();
            for (int g = 0; g < genres.size(); g++) {
                index.put(genres.get(g), g);
            }
            float[] m = new float[Math.multiplyExact(train.numItems(), genres.size())];
            for (int i = 0; i < train.numItems(); i++) {
                List<String> itemGenres = train.itemInfo(i).genres();
                for (String g : itemGenres) {
                    Integer gi = index.get(g);
                    if (gi != null) {
                        m[i * genres.size() + gi] = 1f / itemGenres.size();
                    }
                }
            }
            return m;
        }

        @Override
        void beginEpoch(SplittableRandom random) {
            super.beginEpoch(random);
            sampler = random.split();
        }

        @Override
        HostBatch prepare(int index) {
            int from = index * config.batchSize();
            int n = Math.min(config.batchSize(), train.size() - from);
            long[] u = new long[n];
            long[] pos = new long[n];
            for (int k = 0; k < n; k++) {
                int row = order[from + k];
                u[k] = train.user(row);
                pos[k] = train.item(row);
            }
            // Shared negatives, distinct within the batch; slot[item] is its column, or -1.
            long[] neg = new long[shared];
            for (int s = 0; s < shared; s++) {
                int j = sampler.nextInt(train.numItems());
                while (slot[j] >= 0) {
                    j = sampler.nextInt(train.numItems());
                }
                slot[j] = s;
                neg[s] = j;
            }
            // A shared negative that is one of the user's own items is no negative for them.
            float[] mask = new float[n * shared];
            for (int k = 0; k < n; k++) {
                for (int item : train.itemsOf((int) u[k])) {
                    int column = slot[item];
                    if (column >= 0) {
                        mask[k * shared + column] = MASKED;
                    }
                }
            }
            for (long j : neg) {
                slot[(int) j] = -1;
            }
            return new HostBatch(n, u, pos, neg, null, mask);
        }

        @Override
        Batch upload(NDManager manager, HostBatch h) {
            return new Batch(
                    new NDList(
                            manager.create(h.users()),
                            manager.create(h.items()),
                            manager.create(h.negatives()),
                            manager.create(h.mask(), new Shape(h.size(), shared))),
                    null,
                    h.size());
        }

        @Override
        NDArray loss(NDList out, Batch batch) {
            NDArray logits = out.get(0);
            NDArray crossEntropy = logits.logSoftmax(1).get(new NDIndex(":, 0")).neg().mean();
            NDArray norms =
                    squaredNorms(out.get(1))
                            .mean()
                            .add(squaredNorms(out.get(2)).mean())
                            .add(squaredNorms(out.get(3)).mean());
            return crossEntropy.add(norms.mul(config.l2()));
        }

        @Override
        FactorModel snapshot(NDManager manager, Map<String, String> properties) {
            int users = train.numUsers();
            int items = train.numItems();
            float[] userVectors;
            float[] itemVectors;
            try (NDManager m = manager.newSubManager()) {
                ParameterStore store = new ParameterStore(m, false);
                userVectors = towerOutputs(m, store, users, true);
                itemVectors = towerOutputs(m, store, items, false);
            }
            return new FactorModel(
                    ModelType.TWO_TOWER,
                    config.factors(),
                    train.users(),
                    train.items(),
                    catalogue(),
                    train.genres(),
                    userVectors,
                    itemVectors,
                    new float[users],
                    new float[items],
                    0f,
                    Float.NaN,
                    Float.NaN,
                    properties,
                    true);
        }

        private float[] towerOutputs(NDManager m, ParameterStore store, int n, boolean user) {
            int d = config.factors();
            float[] out = new float[Math.multiplyExact(n, d)];
            int chunk = 8192;
            for (int from = 0; from < n; from += chunk) {
                int size = Math.min(chunk, n - from);
                try (NDManager c = m.newSubManager()) {
                    NDArray idx = c.arange(from, from + size).toType(DataType.INT64, false);
                    NDList result =
                            user
                                    ? towers.userTower(store, idx, false)
                                    : towers.itemTower(store, idx, false);
                    float[] v = result.get(0).toFloatArray();
                    System.arraycopy(v, 0, out, from * d, v.length);
                }
            }
            return out;
        }
    }
}
