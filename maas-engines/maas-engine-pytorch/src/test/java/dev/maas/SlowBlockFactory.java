package dev.maas;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real DJL model that can be held in the middle of a call: {@code y = x · Wᵀ + b} (one {@code
 * Linear} layer) followed by a block that, while its {@link Gate} is armed, signals that a call is
 * inside and waits until the test opens the gate. The gate is named by the card property {@value
 * #GATE}, so tests running in parallel do not share one.
 */
public final class SlowBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Card property (loading argument) naming the gate. */
    static final String GATE = "slow.gate";

    /** Card property giving the output width. */
    static final String UNITS = "slow.units";

    private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();

    /** Public no-argument constructor: DJL instantiates factories by class name. */
    public SlowBlockFactory() {}

    /** Where calls of a slow model wait. Thread-safe. */
    static final class Gate {
        volatile boolean armed;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        void pass() {
            if (!armed) {
                return;
            }
            entered.countDown();
            try {
                if (!open.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static Gate gate(String name) {
        return GATES.computeIfAbsent(name, k -> new Gate());
    }

    static void forget(String name) {
        GATES.remove(name);
    }

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        String gate = String.valueOf(arguments.get(GATE));
        int units = Integer.parseInt(String.valueOf(arguments.get(UNITS)));
        return build(units, gate);
    }

    private static SequentialBlock build(int units, String gate) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(units).build())
                .add(
                        new LambdaBlock(
                                (NDList list) -> {
                                    gate(gate).pass();
                                    return list;
                                },
                                "gate"));
    }

    /**
     * Saves a slow model with weights {@code w} (units, inputs) and bias {@code b} (units) as
     * {@code <dir>/<name>-0000.params}.
     */
    static void save(Path dir, String name, float[][] w, float[] b, String engine) {
        try (Model model = Model.newInstance(name, engine)) {
            SequentialBlock block = build(b.length, "unused-" + name);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, w[0].length));
            Linear linear = (Linear) block.getChildren().get(0).getValue();
            float[] flat = new float[w.length * w[0].length];
            for (int i = 0; i < w.length; i++) {
                System.arraycopy(w[i], 0, flat, i * w[0].length, w[0].length);
            }
            linear.getParameters().get("weight").getArray().set(flat);
            linear.getParameters().get("bias").getArray().set(b);
            Files.createDirectories(dir);
            model.save(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
