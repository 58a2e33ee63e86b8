package dev.maas.behaviour.next;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.maas.EngineUnavailableException;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.Title;
import dev.maas.recommend.data.ItemInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link NextItemModel} on DJL's PyTorch engine: every position of every user's history is
 * one example (the window of items before it as input, the item itself as target), with a full
 * softmax over the catalogue and Adam. Weights start from seeded Java random numbers and the engine
 * seed is set, so a run is repeatable for a given thread count.
 *
 * <p>Immutable and thread-safe; concurrent runs share PyTorch's process-wide thread setting.
 */
public final class NextItemTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(NextItemTrainer.class);

    private final int window;
    private final int dim;
    private final int hidden;
    private final int epochs;
    private final int batchSize;
    private final float learningRate;
    private final long seed;

    private NextItemTrainer(
            int window, int dim, int hidden, int epochs, int batchSize, float lr, long seed) {
        if (window <= 0 || dim <= 0 || hidden <= 0 || epochs <= 0 || batchSize <= 0 || !(lr > 0)) {
            throw new IllegalArgumentException(
                    "window, dim, hidden, epochs, batch size and learning rate must be positive");
        }
        this.window = window;
        this.dim = dim;
        this.hidden = hidden;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.learningRate = lr;
        this.seed = seed;
    }

    /** Returns a trainer with a window of 20 items, 48-dimensional embeddings and 6 epochs. */
    public static NextItemTrainer defaults(long seed) {
        return new NextItemTrainer(20, 48, 96, 6, 256, 0.005f, seed);
    }

    /** Returns a copy that trains for {@code epochs} epochs. */
    public NextItemTrainer epochs(int epochs) {
        return new NextItemTrainer(window, dim, hidden, epochs, batchSize, learningRate, seed);
    }

    /**
     * Returns a copy with {@code dim}-dimensional embeddings and a {@code 2 * dim} hidden layer.
     */
    public NextItemTrainer dim(int dim) {
        return new NextItemTrainer(window, dim, 2 * dim, epochs, batchSize, learningRate, seed);
    }

    /** Returns a copy with mini-batches of {@code batchSize} examples. */
    public NextItemTrainer batchSize(int batchSize) {
        return new NextItemTrainer(window, dim, hidden, epochs, batchSize, learningRate, seed);
    }

    /** Returns a copy with Adam's step size {@code learningRate}. */
    public NextItemTrainer learningRate(float learningRate) {
        return new NextItemTrainer(window, dim, hidden, epochs, batchSize, learningRate, seed);
    }

    /** Returns a copy with a window of {@code window} items. */
    public NextItemTrainer window(int window) {
        return new NextItemTrainer(window, dim, hidden, epochs, batchSize, learningRate, seed);
    }

    /**
     * Trains on every event of {@code train}.
     *
     * @throws IllegalArgumentException if the log has no user with two events
     * @throws EngineUnavailableException if the PyTorch engine cannot start
     */
    public NextItemModel fit(BehaviourLog train) {
        List<int[]> examples = new ArrayList<>(); // {user, row of target}
        for (int u = 0; u < train.numUsers(); u++) {
            for (int r = train.start(u) + 1; r < train.end(u); r++) {
                examples.add(new int[] {u, r});
            }
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no user has two events to learn a next item from");
        }
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (EngineException | IllegalArgumentException e) {
            throw new EngineUnavailableException(
                    "training needs the PyTorch engine; add dev.maas:maas-engine-pytorch ("
                            + e.getMessage()
                            + ")",
                    e);
        }
        engine.setRandomSeed((int) (seed ^ (seed >>> 32)));
        SplittableRandom random = new SplittableRandom(seed);
        int items = train.numItems();
        AttentionBlock block = new AttentionBlock(items, window, dim, hidden);
        long started = System.nanoTime();
        try (Model model = Model.newInstance("maas-next-item", Device.cpu(), "PyTorch")) {
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(new SoftmaxCrossEntropyLoss("ce", 1, -1, true, true))
                            .optDevices(new Device[] {Device.cpu()})
                            .optInitializer(Initializer.ZEROS, p -> true)
                            .optOptimizer(
                                    Adam.builder()
                                            .optLearningRateTracker(Tracker.fixed(learningRate))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(batchSize, window));
                initialise(block, random);
                int n = examples.size();
                int[] order = new int[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    shuffle(order, random);
                    double lossSum = 0;
                    for (int from = 0; from < n; from += batchSize) {
                        int b = Math.min(batchSize, n - from);
                        long[] seq = new long[b * window];
                        long[] target = new long[b];
                        for (int i = 0; i < b; i++) {
                            int[] ex = examples.get(order[from + i]);
                            fillWindow(train, ex[0], ex[1], seq, i * window);
                            target[i] = train.item(ex[1]) + 1;
                        }
                        try (NDManager m = trainer.getManager().newSubManager()) {
                            NDArray x = m.create(seq, new Shape(b, window));
                            NDArray y = m.create(target);
                            NDArray loss;
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList out = trainer.forward(new NDList(x));
                                loss = trainer.getLoss().evaluate(new NDList(y), out);
                                gc.backward(loss);
                            }
                            trainer.step();
                            lossSum += loss.getFloat() * b;
                        }
                    }
                    double mean = lossSum / n;
                    if (!Double.isFinite(mean)) {
                        throw new IllegalStateException(
                                "training diverged in epoch "
                                        + epoch
                                        + "; lower the learning rate");
                    }
                    LOG.debug("next-item epoch {}: loss {}", epoch, mean);
                }
            }
            LOG.info(
                    "Trained next-item model on {} examples in {} ms",
                    examples.size(),
                    (System.nanoTime() - started) / 1_000_000);
            return new NextItemModel(catalogue(train), window, dim, hidden, extract(block));
        } catch (EngineException e) {
            throw new EngineUnavailableException(
                    "the PyTorch engine failed during training: " + e.getMessage(), e);
        }
    }

    /** The window before row {@code target} of user {@code u}, left-padded with 0. */
    private void fillWindow(BehaviourLog log, int u, int target, long[] seq, int at) {
        int start = log.start(u);
        for (int p = 0; p < window; p++) {
            int r = target - window + p;
            seq[at + p] = r >= start ? log.item(r) + 1 : 0;
        }
    }

    static List<ItemInfo> catalogue(BehaviourLog log) {
        List<ItemInfo> out = new ArrayList<>(log.numItems());
        for (Title t : log.titles()) {
            out.add(new ItemInfo(t.id(), t.name(), List.of(log.genres().get(t.genre()))));
        }
        return out;
    }

    private void initialise(AttentionBlock b, SplittableRandom r) {
        fill(b.itemEmb, gaussian(r, (long) (b.items + 1) * dim, 0.05));
        fill(b.posEmb, gaussian(r, (long) window * dim, 0.05));
        fill(b.wq, glorot(r, dim, dim));
        fill(b.wk, glorot(r, dim, dim));
        fill(b.wv, glorot(r, dim, dim));
        fill(b.w1, glorot(r, dim, hidden));
        fill(b.w2, glorot(r, hidden, dim));
    }

    private static void fill(Parameter p, float[] v) {
        p.getArray().set(v);
    }

    private static float[] gaussian(SplittableRandom r, long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }

    private static float[] glorot(SplittableRandom r, int in, int out) {
        double limit = Math.sqrt(6.0 / (in + out));
        float[] v = new float[in * out];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * limit);
        }
        return v;
    }

    private static float[][] extract(AttentionBlock b) {
        Parameter[] ps = {
            b.itemEmb, b.posEmb, b.wq, b.wk, b.wv, b.w1, b.b1, b.w2, b.b2, b.itemBias
        };
        float[][] out = new float[ps.length][];
        for (int i = 0; i < ps.length; i++) {
            out[i] = ps[i].getArray().toFloatArray();
        }
        return out;
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
