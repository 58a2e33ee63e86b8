package dev.maas.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prunes, factorises and quantizes an MLP trained here on DJL (PyTorch): a regression of a smooth
 * function of 16 inputs, 16 -> 128 -> 128 -> 1.
 */
class MlpCompressionTest {
    static final int IN = 16;
    static Model model;
    static NDManager manager;
    static NDArray trainX;
    static NDArray trainY;
    static NDArray testX;
    static NDArray testY;
    static CompressedBlock trained;
    static double trainedLoss;

    static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(128).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(128).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(1).build());
    }

    @BeforeAll
    static void train() {
        model = Model.newInstance("mlp", "PyTorch");
        model.setBlock(mlp());
        manager = model.getNDManager().newSubManager();
        NDArray[] train = data(2048, 1);
        NDArray[] test = data(1024, 2);
        trainX = train[0];
        trainY = train[1];
        testX = test[0];
        testY = test[1];
        model.getBlock().initialize(manager, DataType.FLOAT32, new Shape(1, IN));
        CompressedBlock none = BlockCompression.dense(model.getBlock());
        // Trained until the test loss settles, so that what fine-tuning recovers is what
        // compression lost, not training left undone.
        FineTuning.fineTune(model, none, trainX, trainY, Loss.l2Loss(), 60, 64, 0.003f);
        FineTuning.fineTune(model, none, trainX, trainY, Loss.l2Loss(), 30, 64, 0.0005f);
        trained = BlockCompression.dense(model.getBlock());
        trainedLoss = testLoss();
    }

    @AfterAll
    static void close() {
        manager.close();
        model.close();
    }

    /** y = sin(a.x) + 0.5 (b.x)(c.x) with fixed a, b, c; x standard normal. */
    static NDArray[] data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SplittableRandom w = new SplittableRandom(99);
        float[][] abc = new float[3][IN];
        for (float[] v : abc) {
            for (int i = 0; i < IN; i++) {
                v[i] = (float) (w.nextGaussian() / Math.sqrt(IN));
            }
        }
        float[] x = new float[n * IN];
        float[] y = new float[n];
        for (int k = 0; k < n; k++) {
            double[] dot = new double[3];
            for (int i = 0; i < IN; i++) {
                float v = (float) r.nextGaussian();
                x[k * IN + i] = v;
                for (int j = 0; j < 3; j++) {
                    dot[j] += abc[j][i] * v;
                }
            }
            y[k] = (float) (Math.sin(2 * dot[0]) + 0.5 * dot[1] * dot[2]);
        }
        return new NDArray[] {
            manager.create(x, new Shape(n, IN)), manager.create(y, new Shape(n, 1))
        };
    }

    static double testLoss() {
        try (NDManager m = manager.newSubManager()) {
            NDArray pred =
                    model.getBlock()
                            .forward(new ParameterStore(m, false), new NDList(testX), false)
                            .singletonOrThrow();
            pred.attach(m);
            return pred.sub(testY).square().mean().getFloat();
        }
    }

    @Test
    void prune50_losesQuality_andFineTuningRecoversPartOfIt() {
        trained.applyTo(model.getBlock());
        CompressedBlock pruned = BlockCompression.prune(model.getBlock(), 0.5, false);
        double prunedLoss = testLoss();
        FineTuning.Result tuned =
                FineTuning.fineTune(model, pruned, trainX, trainY, Loss.l2Loss(), 4, 64, 0.0005f);
        double tunedLoss = testLoss();
        System.out.printf(
                "prune 50%%: test MSE trained %.4f, pruned %.4f, fine-tuned %.4f; bytes %d -> %d"
                        + " (%.2fx)%n",
                trainedLoss,
                prunedLoss,
                tunedLoss,
                trained.storedBytes(),
                tuned.compressed().storedBytes(),
                (double) trained.storedBytes() / tuned.compressed().storedBytes());
        assertThat(prunedLoss).isGreaterThan(trainedLoss);
        // Fine-tuning recovers at least a quarter of what pruning lost, and stays pruned.
        assertThat(tunedLoss).isLessThan(prunedLoss - 0.25 * (prunedLoss - trainedLoss));
        assertThat(tuned.compressed().kinds()).containsEntry("01Linear_weight", "masked:F32");
        double weightZeros = zeros(model.getBlock(), "03Linear_weight");
        assertThat(weightZeros).isBetween(0.5, 0.51);
        // 50% sparse with a one-bit mask: (0.5 * 4 + 1/8) / 4 of the linear weights' bytes.
        assertThat((double) trained.storedBytes() / tuned.compressed().storedBytes())
                .isBetween(1.8, 1.95);
    }

    @Test
    void svd_losesQuality_andFineTuningRecoversPartOfIt() {
        trained.applyTo(model.getBlock());
        CompressedBlock svd = BlockCompression.lowRank(model.getBlock(), 8);
        double svdLoss = testLoss();
        FineTuning.Result tuned =
                FineTuning.fineTune(model, svd, trainX, trainY, Loss.l2Loss(), 4, 64, 0.0005f);
        double tunedLoss = testLoss();
        System.out.printf(
                "svd rank 8: test MSE trained %.4f, factorised %.4f, fine-tuned %.4f; bytes %d ->"
                        + " %d%n",
                trainedLoss, svdLoss, tunedLoss, trained.storedBytes(), svd.storedBytes());
        assertThat(svdLoss).isGreaterThan(trainedLoss);
        assertThat(tunedLoss).isLessThan(svdLoss - 0.25 * (svdLoss - trainedLoss));
        assertThat(tuned.compressed().kinds())
                .containsEntry("03Linear_weight", "factored:8:F32")
                .containsEntry("05Linear_weight", "dense:F32");
        assertThat(svd.storedBytes()).isLessThan(trained.storedBytes() / 2);
    }

    @Test
    void int8_andDiskRoundTrip_reproduceThePredictions(@TempDir Path dir) {
        trained.applyTo(model.getBlock());
        CompressedBlock int8 =
                BlockCompression.quantize(model.getBlock(), Quantization.int8Symmetric(true));
        double int8Loss = testLoss();
        assertThat(int8Loss).isLessThan(trainedLoss * 1.2 + 1e-3);
        long bytes = int8.save(dir.resolve("mlp.safetensors"));
        assertThat(bytes).isLessThan(trained.storedBytes() * 30 / 100);

        // A fresh block with other random weights computes the same once the file is applied.
        trained.applyTo(model.getBlock());
        CompressedBlock.load(dir.resolve("mlp.safetensors")).applyTo(model.getBlock());
        assertThat(testLoss()).isEqualTo(int8Loss);

        // Pruned, then quantized: mask + int8 values.
        trained.applyTo(model.getBlock());
        CompressedBlock both =
                BlockCompression.prune(model.getBlock(), 0.5, false)
                        .quantize(model.getBlock(), Quantization.int8Symmetric(true));
        assertThat(both.kinds()).containsEntry("01Linear_weight", "masked:I8");
        assertThat((double) trained.storedBytes() / both.storedBytes()).isGreaterThan(5);
        both.save(dir.resolve("both.safetensors"));
        double bothLoss = testLoss();
        trained.applyTo(model.getBlock());
        CompressedBlock.load(dir.resolve("both.safetensors")).applyTo(model.getBlock());
        assertThat(testLoss()).isEqualTo(bothLoss);
    }

    @Test
    void structuredPruning_removesWholeHiddenNeurons() {
        trained.applyTo(model.getBlock());
        CompressedBlock s = BlockCompression.prune(model.getBlock(), 0.25, true);
        float[] w = zerosRows(model.getBlock(), "01Linear_weight");
        assertThat(w[0]).isEqualTo(32); // 25% of 128 neurons, weights and bias
        assertThat(s.kinds()).containsEntry("05Linear_weight", "dense:F32");
    }

    @Test
    void badSettings_nameSettingAndLayer() {
        trained.applyTo(model.getBlock());
        assertThatThrownBy(() -> BlockCompression.lowRank(model.getBlock(), 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "low-rank setting 'rank' is 20, larger than layer '01Linear' (Linear 128"
                                + " x 16): at most 16");
        assertThatThrownBy(() -> BlockCompression.prune(model.getBlock(), 1.0, false))
                .hasMessage("prune setting 'sparsity' must be in [0, 1), was 1.0");
        // Nothing was changed by the refused calls.
        assertThat(testLoss()).isEqualTo(trainedLoss);

        try (Model other = Model.newInstance("bn", "PyTorch");
                NDManager m = other.getNDManager().newSubManager()) {
            SequentialBlock bn =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(8).build())
                            .add(BatchNorm.builder().build())
                            .add(Linear.builder().setUnits(1).build());
            other.setBlock(bn);
            bn.initialize(m, DataType.FLOAT32, new Shape(2, IN));
            assertThatThrownBy(
                            () -> BlockCompression.quantize(bn, Quantization.int8Symmetric(true)))
                    .hasMessageStartingWith(
                            "quantize setting 'scheme' int8-symmetric-per-row cannot handle layer"
                                    + " '02BatchNorm' (BatchNorm)");
            // float16 handles any layer.
            assertThat(BlockCompression.quantize(bn, Quantization.float16()).size()).isEqualTo(8);

            SequentialBlock none = new SequentialBlock().add(Activation::relu);
            none.initialize(m, DataType.FLOAT32, new Shape(2, IN));
            assertThatThrownBy(() -> BlockCompression.quantize(none, Quantization.float16()))
                    .hasMessage(
                            "the model has no parameters to compress: its block (SequentialBlock)"
                                    + " holds none");
        }
    }

    private static double zeros(Block block, String param) {
        float[] v = block.getParameters().get(param).getArray().toFloatArray();
        int z = 0;
        for (float f : v) {
            z += f == 0f ? 1 : 0;
        }
        return (double) z / v.length;
    }

    /** Returns {number of all-zero rows}. */
    private static float[] zerosRows(Block block, String param) {
        NDArray a = block.getParameters().get(param).getArray();
        float[] v = a.toFloatArray();
        int cols = (int) a.getShape().get(1);
        int rows = (int) a.getShape().get(0);
        int zeroRows = 0;
        for (int r = 0; r < rows; r++) {
            boolean all = true;
            for (int c = 0; c < cols; c++) {
                all &= v[r * cols + c] == 0f;
            }
            zeroRows += all ? 1 : 0;
        }
        return new float[] {zeroRows};
    }
}
