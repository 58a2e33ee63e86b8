package dev.maas;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MLP of {@link MlpModel} behind a guard layer, as a real DJL block run by PyTorch: the guard
 * rejects inputs that hold a value at or above a limit (an engine failure on some inputs only), can
 * sleep to make the model slow, and counts the rows it sees. Configured by card properties (loading
 * arguments): {@value #REJECT_AT}, {@value #SLEEP_MILLIS}, {@value #COUNTER}.
 */
public final class GuardedMlpFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Inputs holding a value at or above this fail (absent: none fail). */
    public static final String REJECT_AT = "test.rejectAt";

    /** Milliseconds each forward pass sleeps (absent: 0). */
    public static final String SLEEP_MILLIS = "test.sleepMillis";

    /** Name of the counter of forward passes and rows, see {@link #forwards} and {@link #rows}. */
    public static final String COUNTER = "test.counter";

    /** Name of a gate that forward passes wait at while it is closed, see {@link #gate}. */
    public static final String GATE = "test.gate";

    /** With {@link #GATE}: only inputs holding a value at or above this wait (absent: all do). */
    public static final String GATE_AT = "test.gateAt";

    private static final Map<String, AtomicInteger> FORWARDS = new ConcurrentHashMap<>();
    private static final Map<String, java.util.concurrent.CountDownLatch> GATES =
            new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> ROWS = new ConcurrentHashMap<>();
    private static final Map<String, java.util.Queue<String>> THREADS = new ConcurrentHashMap<>();

    /** Public no-argument constructor, as the PyTorch backend instantiates factories by name. */
    public GuardedMlpFactory() {}

    /** Returns how many forward passes models with counter {@code name} made. */
    public static AtomicInteger forwards(String name) {
        return FORWARDS.computeIfAbsent(name, k -> new AtomicInteger());
    }

    /** Returns how many rows models with counter {@code name} processed. */
    public static AtomicInteger rows(String name) {
        return ROWS.computeIfAbsent(name, k -> new AtomicInteger());
    }

    /**
     * Returns the names of the threads that ran the forward passes of models with counter {@code
     * name}, in order.
     */
    public static java.util.Queue<String> threads(String name) {
        return THREADS.computeIfAbsent(
                name, k -> new java.util.concurrent.ConcurrentLinkedQueue<>());
    }

    /** Returns the gate {@code name}: forward passes wait until it is counted down. */
    public static java.util.concurrent.CountDownLatch gate(String name) {
        return GATES.computeIfAbsent(name, k -> new java.util.concurrent.CountDownLatch(1));
    }

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return build(
                Integer.parseInt(arguments.get("mlp.hidden").toString()),
                Integer.parseInt(arguments.get("mlp.outputs").toString()),
                arguments.containsKey(REJECT_AT)
                        ? Float.parseFloat(arguments.get(REJECT_AT).toString())
                        : Float.NaN,
                arguments.containsKey(SLEEP_MILLIS)
                        ? Long.parseLong(arguments.get(SLEEP_MILLIS).toString())
                        : 0,
                arguments.containsKey(COUNTER) ? arguments.get(COUNTER).toString() : null,
                arguments.containsKey(GATE) ? arguments.get(GATE).toString() : null,
                arguments.containsKey(GATE_AT)
                        ? Float.parseFloat(arguments.get(GATE_AT).toString())
                        : Float.NEGATIVE_INFINITY);
    }

    static SequentialBlock build(
            int hidden,
            int outputs,
            float rejectAt,
            long sleepMillis,
            String counter,
            String gate,
            float gateAt) {
        return new SequentialBlock()
                .add(
                        new LambdaBlock(
                                in -> guard(in, rejectAt, sleepMillis, counter, gate, gateAt),
                                "guard"))
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(outputs).build());
    }

    private static NDList guard(
            NDList in,
            float rejectAt,
            long sleepMillis,
            String counter,
            String gate,
            float gateAt) {
        if (counter != null) {
            forwards(counter).incrementAndGet();
            rows(counter).addAndGet((int) in.head().getShape().get(0));
            threads(counter).add(Thread.currentThread().getName());
        }
        if (gate != null
                && (gateAt == Float.NEGATIVE_INFINITY
                        || in.head().gte(gateAt).any().getBoolean())) {
            try {
                if (!gate(gate).await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate " + gate + " never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sleepMillis > 0) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!Float.isNaN(rejectAt) && in.head().gte(rejectAt).any().getBoolean()) {
            throw new IllegalArgumentException(
                    "guard: input holds a value >= "
                            + rejectAt
                            + " (shape "
                            + in.head().getShape()
                            + ")");
        }
        return in;
    }

    /**
     * Saves {@code mlp} behind a guard as {@code <dir>/<name>-0000.params}; load it with this
     * factory and {@link #cardProperties}.
     */
    static void save(MlpModel mlp, Path dir, String name) {
        try (Model model = Model.newInstance(name, "PyTorch")) {
            SequentialBlock block = build(mlp.hidden(), mlp.outputs(), Float.NaN, 0, null, null, 0);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, mlp.inputs()));
            setLinear(block.getChildren().get(1).getValue(), mlp.w1(), mlp.b1());
            setLinear(block.getChildren().get(3).getValue(), mlp.w2(), mlp.b2());
            Files.createDirectories(dir);
            model.save(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void setLinear(Block block, float[][] w, float[] b) {
        Linear linear = (Linear) block;
        linear.getParameters()
                .get("weight")
                .getArray()
                .set(ReferenceMath.flatten(ReferenceMath.transpose(w)));
        linear.getParameters().get("bias").getArray().set(b);
    }

    /** Returns the card properties that load a guarded {@code mlp} through this factory. */
    static Map<String, String> cardProperties(MlpModel mlp) {
        return Map.of(
                "blockFactory",
                GuardedMlpFactory.class.getName(),
                "mlp.hidden",
                Integer.toString(mlp.hidden()),
                "mlp.outputs",
                Integer.toString(mlp.outputs()));
    }
}
