package dev.maas.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.Metrics;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fold-in: users removed from training and folded in at request time from their interactions get
 * lists close in quality to those of the same users when trained on.
 */
class FoldInTest {
    static Split split;
    static int[] heldOut;
    static Interactions withoutHeldOut;
    @TempDir Path tmp;

    @BeforeAll
    static void data() {
        Interactions all =
                SampleCatalog.builder()
                        .users(200)
                        .items(300)
                        .ratings(10_000)
                        .minRatingsPerUser(15)
                        .seed(21)
                        .build()
                        .generate();
        split = Splits.randomHoldout(all, 0.2, 5);
        Interactions train = split.train();
        heldOut = IntStream.range(0, train.numUsers()).filter(u -> u % 10 == 0).toArray();
        int[] keep =
                IntStream.range(0, train.size()).filter(r -> train.user(r) % 10 != 0).toArray();
        withoutHeldOut = train.select(keep);
    }

    /** Mean NDCG@10 over the held-out users of the vectors {@code vectors[n]}. */
    private static double ndcg(FactorModel model, float[][] vectors) {
        Interactions train = split.train();
        Interactions test = split.test();
        double sum = 0;
        int users = 0;
        for (int n = 0; n < heldOut.length; n++) {
            int u = heldOut[n];
            int[] relevant =
                    Arrays.stream(test.itemsOf(u)).filter(i -> !train.contains(u, i)).toArray();
            if (relevant.length == 0) {
                continue;
            }
            float[] scores = new float[model.numItems()];
            for (int i = 0; i < scores.length; i++) {
                float[] q = model.itemVector(i);
                float s = model.itemBias(i);
                for (int f = 0; f < q.length; f++) {
                    s += vectors[n][f] * q[f];
                }
                scores[i] = s;
            }
            boolean[] excluded = new boolean[scores.length];
            for (int i : train.itemsOf(u)) {
                excluded[i] = true;
            }
            sum += Metrics.ndcg(Metrics.topK(scores, 10, excluded), 10, relevant);
            users++;
        }
        return sum / users;
    }

    @ParameterizedTest
    @EnumSource(
            value = ModelType.class,
            names = {"IALS", "EASE"})
    void foldedInUsers_approachTheQualityOfTrainedUsers(ModelType type) {
        TrainingConfig config = TrainingConfig.builder(type).factors(32).build();
        FactorModel trained = RecommenderTrainer.create(config).fit(split.train()).model();
        FactorModel without = RecommenderTrainer.create(config).fit(withoutHeldOut).model();
        float[][] asTrained = new float[heldOut.length][];
        float[][] foldedAll = new float[heldOut.length][];
        float[][] foldedFive = new float[heldOut.length][];
        for (int n = 0; n < heldOut.length; n++) {
            int[] items = split.train().itemsOf(heldOut[n]);
            asTrained[n] = trained.userVector(heldOut[n]);
            foldedAll[n] = without.foldIn(items);
            foldedFive[n] = without.foldIn(Arrays.copyOf(items, 5));
        }
        if (type == ModelType.IALS) {
            // Folding a trained user in against the model's own item vectors is the ALS user
            // step, exact rather than three conjugate-gradient steps against the previous
            // epoch's item vectors: it gives back nearly the trained vector.
            int u = heldOut[1];
            float[] again = trained.foldIn(split.train().itemsOf(u));
            assertThat(cosine(again, trained.userVector(u))).isGreaterThan(0.95);
        }
        double trainedNdcg = ndcg(trained, asTrained);
        double foldedNdcg = ndcg(without, foldedAll);
        double fiveNdcg = ndcg(without, foldedFive);
        float[][] none = new float[heldOut.length][without.dim()];
        double biasOnly = ndcg(without, none);
        System.out.printf(
                Locale.ROOT,
                "fold-in %s, %d held-out users: NDCG@10 trained %.4f, folded in from all their"
                        + " training items %.4f, from 5 items %.4f%n",
                type,
                heldOut.length,
                trainedNdcg,
                foldedNdcg,
                fiveNdcg);
        assertThat(foldedNdcg).isGreaterThan(0.85 * trainedNdcg);
        assertThat(fiveNdcg).isGreaterThan(biasOnly);
        assertThat(fiveNdcg).isGreaterThan(0.4 * trainedNdcg);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int f = 0; f < a.length; f++) {
            dot += a[f] * b[f];
            na += a[f] * a[f];
            nb += b[f] * b[f];
        }
        return dot / Math.sqrt(na * nb);
    }

    @ParameterizedTest
    @EnumSource(
            value = ModelType.class,
            names = {"IALS", "EASE", "SVDPP"})
    void recommender_servesAVisitorFromTheirItems_andRefusesUnknownItemsOnly(ModelType type) {
        FactorModel model =
                RecommenderTrainer.create(
                                TrainingConfig.builder(type).factors(16).epochs(5).build())
                        .fit(split.train())
                        .model();
        try (ModelService maas = ModelService.builder().root(tmp.resolve("repo")).build()) {
            ModelCard card =
                    RecommenderPackage.builder()
                            .model(model)
                            .trainingData(split.train())
                            .summary(
                                    new DataSummary(
                                            "sample",
                                            200,
                                            300,
                                            10_000,
                                            split.train().size(),
                                            0,
                                            "random"))
                            .description("fold-in test")
                            .build()
                            .publish(maas, "films");
            Recommender films = Recommender.open(maas, card.ref());
            List<String> liked = new ArrayList<>();
            for (int i : split.train().itemsOf(3)) {
                liked.add(split.train().items().id(i));
            }
            liked = liked.subList(0, 5);
            List<String> withUnknown = new ArrayList<>(liked);
            withUnknown.add("no-such-item");
            Recommendations r = films.recommend(withUnknown, 10);
            assertThat(r.source()).isEqualTo(Recommendations.Source.PERSONALIZED);
            assertThat(r.size()).isEqualTo(10);
            assertThat(r.ids()).doesNotContainAnyElementsOf(liked);
            assertThat(films.recommend(liked, 10).ids()).isEqualTo(r.ids());

            assertThatThrownBy(() -> films.recommend(List.of("x1", "x2"), 10))
                    .isInstanceOf(UnknownItemException.class)
                    .hasMessageContaining("none of the visitor's 2 items is in the catalogue")
                    .hasMessageContaining("'x1', 'x2'")
                    .hasMessageContaining("expected at least one of its 300 item ids");
            assertThatThrownBy(() -> films.recommend(List.<String>of(), 10))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("visitorInteractions is empty");
            // The service keeps serving after the refusals.
            assertThat(films.recommend(split.train().users().id(3), 10).size()).isEqualTo(10);
            assertThat(films.recommend(liked, 3).size()).isEqualTo(3);
        }
    }
}
