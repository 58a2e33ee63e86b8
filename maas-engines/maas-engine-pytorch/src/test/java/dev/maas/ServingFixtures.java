package dev.maas;

import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.Assertions;

/** Models and helpers shared by the serving tests: small MLPs on PyTorch, checked in plain Java. */
final class ServingFixtures {
    static final int IN = 8;
    static final int HIDDEN = 16;
    static final int OUT = 4;
    static final double TOLERANCE = 1e-4;

    private ServingFixtures() {}

    static ModelCard.Builder mlpCard(String name) {
        return ModelCard.builder(name)
                .engine("PyTorch")
                .format("djl")
                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, OUT));
    }

    /** Publishes {@code mlp} as a new version of {@code name}, with extra card properties. */
    static ModelCard publishMlp(
            ModelService maas, Path tmp, String name, MlpModel mlp, Map<String, String> props) {
        Path dir = newDir(tmp);
        mlp.save(dir, name, "PyTorch");
        Map<String, String> all = new HashMap<>(mlp.cardProperties());
        all.putAll(props);
        return maas.publish(ModelPackage.of(mlpCard(name).properties(all).build(), dir));
    }

    /**
     * Publishes {@code mlp} behind a {@link GuardedMlpFactory} guard configured by {@code props}.
     */
    static ModelCard publishGuarded(
            ModelService maas, Path tmp, String name, MlpModel mlp, Map<String, String> props) {
        Path dir = newDir(tmp);
        GuardedMlpFactory.save(mlp, dir, name);
        Map<String, String> all = new HashMap<>(GuardedMlpFactory.cardProperties(mlp));
        all.putAll(props);
        return maas.publish(ModelPackage.of(mlpCard(name).properties(all).build(), dir));
    }

    private static Path newDir(Path tmp) {
        try {
            return Files.createTempDirectory(tmp, "pkg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[][] input(long seed, int rows) {
        return ReferenceMath.uniform(new Random(seed), rows, IN, 2f);
    }

    static float[][] matrix(NDArray a) {
        return ReferenceMath.reshape(a.toFloatArray(), (int) a.getShape().get(0));
    }

    static float[][] output(NDList out) {
        return matrix(out.singletonOrThrow());
    }

    static boolean close(float[][] actual, float[][] expected) {
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (actual[i].length != expected[i].length) {
                return false;
            }
            for (int j = 0; j < expected[i].length; j++) {
                if (Math.abs(actual[i][j] - expected[i][j]) > TOLERANCE) {
                    return false;
                }
            }
        }
        return true;
    }

    static void assertClose(float[][] actual, float[][] expected) {
        Assertions.assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                Assertions.assertThat((double) actual[i][j])
                        .as("[%d][%d]", i, j)
                        .isCloseTo(expected[i][j], within(TOLERANCE));
            }
        }
    }

    /** Waits (polling, up to {@code max}) until {@code condition} holds; fails otherwise. */
    static void awaitTrue(String what, Duration max, BooleanSupplier condition) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                Assertions.fail("timed out after " + max + " waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted waiting until " + what);
            }
        }
    }

    /** Runs {@code body} with a runtime of {@code ref} held, e.g. to wake its workers. */
    static void withRuntime(
            ModelService maas, ModelRef ref, java.util.function.Consumer<ModelRuntime> body) {
        ModelRuntime r = maas.acquire(ref);
        try {
            body.accept(r);
        } finally {
            r.release();
        }
    }
}
