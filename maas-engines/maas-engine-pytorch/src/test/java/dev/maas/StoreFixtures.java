package dev.maas;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

/** Publishing real PyTorch models for the store tests, and checking their outputs. */
final class StoreFixtures {
    static final int IN = 8;
    static final double TOLERANCE = 1e-4;

    private StoreFixtures() {}

    /** Saves {@code mlp} with PyTorch and publishes it as a DJL-native model named {@code name}. */
    static ModelCard publishMlp(ModelService maas, Path tmp, String name, MlpModel mlp) {
        Path dir = tmp.resolve("artifacts-" + name + "-" + System.nanoTime());
        mlp.save(dir, name, PyTorchBackend.ENGINE);
        return maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name)
                                .engine(PyTorchBackend.ENGINE)
                                .format(PyTorchBackend.DJL)
                                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, mlp.inputs()))
                                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, mlp.outputs()))
                                .properties(mlp.cardProperties())
                                .build(),
                        dir));
    }

    /**
     * Publishes a slow model ({@code y = x · Wᵀ + b}, waiting at {@code gate} while it is armed)
     * and returns its card; {@code w} is (units, inputs).
     */
    static ModelCard publishSlow(
            ModelService maas, Path tmp, String name, String gate, float[][] w, float[] b) {
        Path dir = tmp.resolve("artifacts-" + name + "-" + System.nanoTime());
        SlowBlockFactory.save(dir, name, w, b, PyTorchBackend.ENGINE);
        return maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name)
                                .engine(PyTorchBackend.ENGINE)
                                .format(PyTorchBackend.DJL)
                                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, w[0].length))
                                .property(
                                        PyTorchBackend.BLOCK_FACTORY,
                                        SlowBlockFactory.class.getName())
                                .property(SlowBlockFactory.GATE, gate)
                                .property(SlowBlockFactory.UNITS, Integer.toString(b.length))
                                .build(),
                        dir));
    }

    /** Returns the bytes of the files in {@code card}'s version folder, the store's weight. */
    static long versionBytes(Path repoRoot, ModelCard card) {
        Path dir =
                repoRoot.resolve("models")
                        .resolve(card.name())
                        .resolve(Integer.toString(card.version()));
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs one call of {@code ref} on rows drawn from {@code seed} and checks it against {@code
     * mlp}.
     */
    static void predictAndCheck(
            ModelService maas, String ref, MlpModel mlp, NDManager parent, long seed) {
        float[][] x = ReferenceMath.uniform(new Random(seed), 3, mlp.inputs(), 2f);
        try (NDManager call = parent.newSubManager()) {
            NDArray y = maas.endpoint(ref).predict(new NDList(call.create(x))).singletonOrThrow();
            assertClose(ReferenceMath.reshape(y.toFloatArray(), x.length), mlp.forward(x));
        }
    }

    static void assertClose(float[][] actual, float[][] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError(actual.length + " rows, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                if (Math.abs(actual[i][j] - expected[i][j]) > TOLERANCE) {
                    throw new AssertionError(
                            "["
                                    + i
                                    + "]["
                                    + j
                                    + "] = "
                                    + actual[i][j]
                                    + ", expected "
                                    + expected[i][j]);
                }
            }
        }
    }
}
