package dev.maas.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.train.FactorEncoder;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.StoredTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks every scheme's per-element error against its theoretical bound, in memory and on disk. */
class QuantizationTest {
    static Stream<Quantization> int8Schemes() {
        return Stream.of(
                Quantization.int8Symmetric(true),
                Quantization.int8Symmetric(false),
                Quantization.int8Asymmetric(true),
                Quantization.int8Asymmetric(false));
    }

    static Stream<Quantization> allSchemes() {
        return Stream.concat(
                int8Schemes(), Stream.of(Quantization.float16(), Quantization.bfloat16()));
    }

    /** Rows of different scales and skews: centred, shifted positive, tiny, and all zero. */
    static float[] data(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            double scale = Math.pow(10, r.nextInt(-3, 2));
            double shift = i % 3 == 1 ? 2 * scale : 0;
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] = i % 7 == 6 ? 0f : (float) (shift + scale * r.nextGaussian());
            }
        }
        return x;
    }

    @ParameterizedTest
    @MethodSource("int8Schemes")
    void int8_everyElementWithinHalfAScaleStep(Quantization q) {
        int rows = 50;
        int cols = 33;
        float[] x = data(rows, cols, 1);
        StoredTensor t = q.encode(x, rows, cols);
        float[] y = t.decode(rows, cols);
        assertThat(t.dtype()).isEqualTo(StoredTensor.DType.I8);
        assertThat(t.scale()).hasSize(q.perRow() ? rows : 1);
        assertThat(t.zeroPoint() == null).isEqualTo(q.symmetric());
        int exactZeros = 0;
        for (int i = 0; i < x.length; i++) {
            float s = t.scale()[q.perRow() ? i / cols : 0];
            // Half a step, plus float rounding in (q - z) * s.
            assertThat((double) Math.abs(x[i] - y[i]))
                    .as("element %d (x=%s, scale=%s)", i, x[i], s)
                    .isLessThanOrEqualTo(s / 2 * (1 + 1e-5) + 1e-12);
            if (x[i] == 0f && y[i] == 0f) {
                exactZeros++;
            }
        }
        // All-zero rows come back as exact zeros in every scheme (zero is always representable).
        assertThat(exactZeros).isGreaterThanOrEqualTo(q.perRow() ? 7 * cols : 0);
        // Per-row scales are never coarser than one scale for the tensor.
        if (q.perRow()) {
            float whole = q.symmetric() ? maxAbs(x) / 127f : 0;
            for (float s : t.scale()) {
                assertThat(s).isLessThanOrEqualTo(q.symmetric() ? whole : Float.MAX_VALUE);
            }
        }
    }

    @Test
    void asymmetric_isTighterThanSymmetricOnSkewedValues() {
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1f + i / 255f; // all in [1, 2]
        }
        float sym = Quantization.int8Symmetric(false).encode(x, 1, 256).scale()[0];
        float asym = Quantization.int8Asymmetric(false).encode(x, 1, 256).scale()[0];
        // Symmetric spends half its codes on negatives: step 2/127; asymmetric 2/255.
        assertThat(sym).isCloseTo(2f / 127, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(asym).isCloseTo(2f / 255, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void float16_andBfloat16_withinHalfAnUlp() {
        float[] x = data(40, 25, 2);
        float[] h = Quantization.float16().roundTrip(x, 40, 25);
        float[] b = Quantization.bfloat16().roundTrip(x, 40, 25);
        for (int i = 0; i < x.length; i++) {
            float a = Math.abs(x[i]);
            double halfBound = a >= 0x1p-14f ? a * 0x1p-11 : 0x1p-25;
            assertThat((double) Math.abs(x[i] - h[i]))
                    .as("f16 %s", x[i])
                    .isLessThanOrEqualTo(halfBound);
            assertThat((double) Math.abs(x[i] - b[i]))
                    .as("bf16 %s", x[i])
                    .isLessThanOrEqualTo(a * 0x1p-8);
        }
    }

    @Test
    void float16_knownValues() {
        assertThat(Quantization.floatToHalf(1f)).isEqualTo((short) 0x3c00);
        assertThat(Quantization.floatToHalf(-2f)).isEqualTo((short) 0xc000);
        assertThat(Quantization.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Quantization.floatToHalf(65520f)).isEqualTo((short) 0x7c00); // rounds to inf
        assertThat(Quantization.floatToHalf(0x1p-24f)).isEqualTo((short) 0x0001); // subnormal
        assertThat(Quantization.floatToHalf(0x1p-14f)).isEqualTo((short) 0x0400); // smallest normal
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1).
        assertThat(Quantization.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
        for (short s : new short[] {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555}) {
            assertThat(Quantization.floatToHalf(StoredTensor.halfToFloat(s))).isEqualTo(s);
        }
        assertThat(Quantization.floatToBfloat16(1f)).isEqualTo((short) 0x3f80);
    }

    @ParameterizedTest
    @MethodSource("allSchemes")
    void diskRoundTrip_factorFileShrinksAndValuesStayWithinBound(Quantization q, @TempDir Path dir)
            throws Exception {
        int users = 30;
        int items = 70;
        int dim = 16;
        FactorModel m = model(users, items, dim);
        m.save(dir.resolve("f32"));
        m.save(dir.resolve("q"), RecommenderCompression.encoder(q));
        FactorModel back = FactorModel.load(dir.resolve("q"));
        long f32 = Files.size(dir.resolve("f32/factors.safetensors"));
        long small = Files.size(dir.resolve("q/factors.safetensors"));
        assertThat(small).isLessThan(f32 * (q.type() == Quantization.Type.INT8 ? 50 : 60) / 100);
        float[] x = RecommenderCompression.array(m.itemFactors());
        float[] y = RecommenderCompression.array(back.itemFactors());
        float[] expected = q.roundTrip(x, items, dim);
        // What comes back from disk is exactly what the scheme decodes in memory.
        assertThat(y).containsExactly(expected);
        assertThat(back.dim()).isEqualTo(dim);
        assertThat(back.users()).isEqualTo(m.users());
    }

    @Test
    void encode_refusesNonFiniteAndMisshapedInput() {
        Quantization q = Quantization.int8Symmetric(true);
        assertThatThrownBy(() -> q.encode(new float[] {1, Float.NaN}, 1, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value 1 is NaN");
        assertThatThrownBy(() -> q.encode(new float[3], 2, 2))
                .hasMessageContaining("2 x 2 tensor needs 4 values, has 3");
        assertThatThrownBy(() -> Quantization.parse("int4"))
                .hasMessageContaining("quantization 'int4' is unknown");
        assertThat(Quantization.parse("int8-asymmetric-per-tensor"))
                .isEqualTo(Quantization.int8Asymmetric(false));
    }

    @Test
    void badEncoderOutput_isRefusedBeforeAnythingIsWritten(@TempDir Path dir) {
        FactorModel m = model(5, 6, 4);
        assertThatThrownBy(
                        () ->
                                m.save(
                                        dir.resolve("bad"),
                                        (t, v, r, c) ->
                                                new StoredTensor(
                                                        StoredTensor.DType.I8,
                                                        new byte[3],
                                                        new float[] {1f},
                                                        null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 20 bytes, has 3");
        assertThat(dir.resolve("bad/factor-model.json")).doesNotExist();
        assertThat(dir.resolve("bad/factors.safetensors")).doesNotExist();
        assertThatThrownBy(() -> new StoredTensor(StoredTensor.DType.I8, new byte[2], null, null))
                .hasMessage("an I8 tensor needs scales");
    }

    @Test
    void report_tableJsonAndCardProperties() {
        CompressionReport r =
                new CompressionReport(
                        "m:1",
                        "quantize",
                        Map.of("scheme", "float16"),
                        4000,
                        1000,
                        List.of(new CompressionReport.Quality("ndcg@10", 0.5, 0.4, true)),
                        List.of(new CompressionReport.Latency(1, 10, 5)));
        assertThat(r.ratio()).isEqualTo(4.0);
        assertThat(r.quality("ndcg@10").kept())
                .isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.toTable())
                .contains("Compression of m:1: quantize scheme=float16")
                .contains("4.00x")
                .contains("-0.1000")
                .contains("us/item at batch 1");
        com.google.gson.JsonObject json =
                com.google.gson.JsonParser.parseString(r.toJson()).getAsJsonObject();
        assertThat(json.get("bytesAfter").getAsLong()).isEqualTo(1000);
        assertThat(
                        json.getAsJsonArray("latency")
                                .get(0)
                                .getAsJsonObject()
                                .get("speedup")
                                .getAsDouble())
                .isEqualTo(2.0);
        assertThat(r.toCardProperties())
                .containsEntry("compression.ratio", "4.0000")
                .containsEntry("compression.quality.ndcg@10.after", "0.4")
                .containsEntry("compression.setting.scheme", "float16");
        assertThatThrownBy(() -> r.quality("f1")).hasMessageContaining("has no metric 'f1'");
    }

    @Test
    void factorEncoder_float32IsTheDefaultFormat(@TempDir Path dir) {
        FactorModel m = model(5, 6, 4);
        m.save(dir, FactorEncoder.FLOAT32);
        assertThat(RecommenderCompression.array(FactorModel.load(dir).itemFactors()))
                .containsExactly(RecommenderCompression.array(m.itemFactors()));
    }

    static FactorModel model(int users, int items, int dim) {
        List<String> u = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            u.add("u" + i);
        }
        List<String> it = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            it.add("i" + i);
        }
        return new FactorModel(
                ModelType.BIASED_MF,
                dim,
                IdMap.of(u),
                IdMap.of(it),
                null,
                List.of(),
                data(users, dim, 3),
                data(items, dim, 4),
                data(users, 1, 5),
                data(items, 1, 6),
                3.5f,
                1f,
                5f,
                Map.of());
    }

    private static float maxAbs(float[] x) {
        float m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
