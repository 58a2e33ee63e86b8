package dev.maas.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.ScoredItem;
import dev.maas.recommend.data.Split;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compresses a recommender trained in the test, publishes it and serves it. */
class RecommenderCompressionTest {
    @TempDir Path root;

    @Test
    void int8_isAboutFourTimesSmaller_keepsTopLists_andServesAfterAliasSwapAndCanary() {
        try (ModelService maas = SampleRecommender.service(root)) {
            ModelCard v1 = SampleRecommender.publish(maas, "movies");
            maas.setAlias("movies", "production", v1.version());
            Split split = SampleRecommender.split();
            RecommenderCompression c = RecommenderCompression.of(maas, "movies@production", split);
            CompressedRecommender int8 = c.apply(Technique.int8());
            CompressionReport r = int8.report();
            System.out.print(r.toTable());

            // 64 int8 codes + a float scale per row against 64 floats: about 4x (measured 3.8x).
            assertThat(r.ratio()).isBetween(3.5, 4.0);
            assertThat(r.quality("top10-overlap").after()).isGreaterThan(0.85);
            assertThat(Math.abs(r.quality("ndcg@10").change())).isLessThan(0.01);
            assertThat(Math.abs(r.quality("rmse").change())).isLessThan(0.01);
            assertThat(r.latency())
                    .extracting(CompressionReport.Latency::batch)
                    .containsExactly(1, 64);
            assertThat(r.toJson()).contains("\"technique\": \"quantize\"", "\"ratio\"");

            ModelCard v2 = int8.publish(maas);
            assertThat(v2.version()).isEqualTo(2);
            assertThat(v2.derivedFrom()).isEqualTo(ModelRef.of("movies", 1));
            assertThat(v2.properties())
                    .containsEntry("compression.technique", "quantize")
                    .containsEntry("compression.setting.scheme", "int8-symmetric-per-row")
                    .containsEntry("recommender.precision", "int8")
                    .containsEntry("source.note", "test")
                    .containsKey("compression.report");
            assertThat(v2.metrics()).containsKeys("rmse", "ndcg@10");
            assertThat(v2.tags()).contains("compressed");

            // Hot swap: the alias moves onto the compressed version.
            Recommender prod = Recommender.open(maas, "movies@production");
            String user = split.train().users().id(0);
            assertThat(prod.recommend(user, 10).model()).isEqualTo(ModelRef.of("movies", 1));
            List<ScoredItem> before = prod.recommend(user, 10).items();
            maas.setAlias("movies", "production", 2);
            Recommendations after = prod.recommend(user, 10);
            assertThat(after.model()).isEqualTo(ModelRef.of("movies", 2));
            assertThat(overlap(before, after.items())).isGreaterThanOrEqualTo(7);

            // Canary: half the users to the original, half to the compressed one.
            maas.setAlias("movies", "canary", 1);
            maas.setTrafficSplit("movies", "canary", Map.of(1, 0.5, 2, 0.5));
            Recommender canary = Recommender.open(maas, "movies@canary");
            Set<ModelRef> served = new HashSet<>();
            for (int call = 0; call < 60; call++) {
                Recommendations rec = canary.recommend(split.train().users().id(call), 10);
                assertThat(rec.items()).hasSize(10);
                served.add(rec.model());
            }
            // Calls without a key are routed at random: 60 calls reach both (odds 2^-59 otherwise).
            assertThat(served)
                    .containsExactlyInAnyOrder(ModelRef.of("movies", 1), ModelRef.of("movies", 2));
        }
    }

    private static int overlap(List<ScoredItem> a, List<ScoredItem> b) {
        Set<String> ids = new HashSet<>();
        a.forEach(s -> ids.add(s.id()));
        int n = 0;
        for (ScoredItem s : b) {
            if (ids.contains(s.id())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void halfPrecision_pruningAndLowRank_reportTheirTradeOffs() {
        try (ModelService maas = SampleRecommender.service(root)) {
            SampleRecommender.publish(maas, "movies");
            RecommenderCompression c =
                    RecommenderCompression.of(maas, "movies", SampleRecommender.split());
            CompressionReport f16 = c.apply(Technique.float16()).report();
            CompressionReport bf16 =
                    c.apply(new Technique.Quantize(Quantization.bfloat16())).report();
            assertThat(f16.ratio()).isBetween(1.9, 2.0);
            assertThat(bf16.ratio()).isBetween(1.9, 2.0);
            assertThat(f16.quality("top10-overlap").after()).isGreaterThan(0.98);
            // bfloat16 keeps 8 bits of mantissa against float16's 11.
            assertThat(bf16.quality("top10-overlap").after())
                    .isLessThanOrEqualTo(f16.quality("top10-overlap").after());

            CompressedRecommender pruned = c.apply(new Technique.Prune(0.5, true, 0));
            CompressedRecommender svd = c.apply(Technique.lowRank(32));
            assertThat(pruned.model().dim()).isEqualTo(32);
            assertThat(svd.model().dim()).isEqualTo(32);
            assertThat(pruned.report().ratio()).isBetween(1.8, 2.0);
            // Truncated SVD is the best rank-32 approximation of the score matrix: never worse
            // than keeping 32 of the original factors (Eckart-Young).
            double svdError = scoreError(c.source(), svd.model());
            double pruneError = scoreError(c.source(), pruned.model());
            assertThat(svdError).isLessThan(pruneError);
            assertThat(svd.report().quality("top10-overlap").after())
                    .isGreaterThan(pruned.report().quality("top10-overlap").after());
            // At full rank the factorisation reproduces the scores.
            assertThat(scoreError(c.source(), c.apply(Technique.lowRank(64)).model()))
                    .isLessThan(1e-6 * scoreError(c.source(), zero(c.source())));

            CompressedRecommender byEnergy = c.apply(new Technique.LowRank(0, 0.5));
            assertThat(byEnergy.model().dim()).isBetween(2, 63);
            assertThat(byEnergy.report().settings()).containsEntry("energy", "0.5");
        }
    }

    @Test
    void badSettings_clearErrorNamingSettingAndLayer_nothingPublished() {
        try (ModelService maas = SampleRecommender.service(root)) {
            SampleRecommender.publish(maas, "movies");
            RecommenderCompression c =
                    RecommenderCompression.of(maas, "movies", SampleRecommender.split());
            assertThatThrownBy(() -> c.apply(Technique.lowRank(80)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                            "low-rank setting 'rank' is 80, larger than layer 'item_factors'"
                                    + " (600 x 64): at most 64");
            assertThatThrownBy(() -> c.apply(Technique.distill(100)))
                    .hasMessageContaining("distill setting 'factors' is 100")
                    .hasMessageContaining("layer 'item_factors'");
            assertThatThrownBy(() -> c.apply(Technique.prune(0.5)))
                    .hasMessageContaining("prune setting 'structured'")
                    .hasMessageContaining("layer 'item_factors'");
            assertThatThrownBy(() -> Technique.prune(1.0))
                    .hasMessage("prune setting 'sparsity' must be in [0, 1), was 1.0");
            assertThatThrownBy(() -> Technique.prune(-0.1))
                    .hasMessage("prune setting 'sparsity' must be in [0, 1), was -0.1");
            assertThatThrownBy(() -> Technique.prune(Double.NaN))
                    .hasMessageContaining("'sparsity' must be in [0, 1), was NaN");
            assertThatThrownBy(() -> Technique.lowRank(0))
                    .hasMessage("low-rank setting 'rank' must be >= 1, was 0");
            assertThatThrownBy(() -> RecommenderCompression.of(maas, "movies", otherSplit()))
                    .hasMessageContaining("was trained on other data than the evaluation split");
            // Nothing was published, and the model still serves.
            assertThat(maas.versions("movies")).hasSize(1);
            String user = SampleRecommender.split().train().users().id(3);
            assertThat(Recommender.open(maas, "movies").recommend(user, 5).items()).hasSize(5);
        }
    }

    private static Split otherSplit() {
        return dev.maas.recommend.data.Splits.randomHoldout(
                dev.maas.recommend.data.SampleCatalog.builder()
                        .users(50)
                        .items(80)
                        .ratings(2000)
                        .build()
                        .generate(),
                0.2,
                1);
    }

    /** Sum of squared differences of the interaction part {@code p_u . q_i} over all pairs. */
    static double scoreError(
            dev.maas.recommend.train.FactorModel a, dev.maas.recommend.train.FactorModel b) {
        double sum = 0;
        for (int u = 0; u < a.numUsers(); u++) {
            float[] pa = a.userVector(u);
            float[] pb = b.userVector(u);
            for (int i = 0; i < a.numItems(); i++) {
                float[] qa = a.itemVector(i);
                float[] qb = b.itemVector(i);
                double da = 0;
                double db = 0;
                for (int f = 0; f < pa.length; f++) {
                    da += pa[f] * qa[f];
                }
                for (int f = 0; f < pb.length; f++) {
                    db += pb[f] * qb[f];
                }
                sum += (da - db) * (da - db);
            }
        }
        return sum;
    }

    private static dev.maas.recommend.train.FactorModel zero(
            dev.maas.recommend.train.FactorModel m) {
        return FactorOps.withFactors(m, 1, new float[m.numUsers()], new float[m.numItems()]);
    }
}
