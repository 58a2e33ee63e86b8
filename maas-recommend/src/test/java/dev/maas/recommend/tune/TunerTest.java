package dev.maas.recommend.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TunerTest {
    private static final Interactions DATA =
            SampleCatalog.builder()
                    .users(150)
                    .items(200)
                    .ratings(7_000)
                    .minRatingsPerUser(15)
                    .seed(17)
                    .build()
                    .generate();

    /**
     * A clock that moves one second each time it is read: the search is the same on any machine.
     */
    private static java.util.function.LongSupplier fakeClock() {
        AtomicLong now = new AtomicLong();
        return () -> now.getAndAdd(1_000_000_000L);
    }

    @Test
    void tune_findsSettingsAtLeastAsGoodAsTheDefaults_onValidationAndOnAHeldOutFold() {
        Split split = Splits.randomHoldout(DATA, 0.2, 3);
        TrainingConfig defaults = TrainingConfig.builder(ModelType.IALS).epochs(12).build();
        List<Trial> seen = new ArrayList<>();
        TuningResult r =
                Tuner.create(defaults, Duration.ofSeconds(40), 7, fakeClock())
                        .tune(split.train(), seen::add);
        assertThat(r.trials()).isEqualTo(seen);
        assertThat(r.trials().get(0).candidate()).isZero();
        assertThat(r.trials().get(0).config().epochs()).isEqualTo(12);
        // Successive halving: the cheapest rung trains a ninth of the epochs, the last all.
        assertThat(r.trials()).anyMatch(t -> t.rung() == 0 && t.config().epochs() == 1);
        assertThat(r.trials()).anyMatch(t -> t.rung() == 2 && t.config().epochs() == 12);
        assertThat(r.trials().stream().filter(t -> t.rung() == 0).count())
                .isGreaterThan(r.trials().stream().filter(t -> t.rung() == 1).count());
        // By construction on the validation share.
        assertThat(r.bestValue()).isGreaterThanOrEqualTo(r.defaultValue());

        Evaluator e = Evaluator.builder().build();
        FactorModel tuned = RecommenderTrainer.create(r.best()).fit(split.train()).model();
        FactorModel plain = RecommenderTrainer.create(defaults).fit(split.train()).model();
        double tunedNdcg = e.evaluateRanking(tuned, split.train(), split.test()).ndcg();
        double defaultNdcg = e.evaluateRanking(plain, split.train(), split.test()).ndcg();
        System.out.printf(
                Locale.ROOT,
                "tune iALS: validation %.4f vs defaults %.4f; held-out fold %.4f vs %.4f (%s)%n",
                r.bestValue(),
                r.defaultValue(),
                tunedNdcg,
                defaultNdcg,
                Tuner.describe(r.best()));
        assertThat(tunedNdcg).isGreaterThanOrEqualTo(defaultNdcg);
        assertThat(r.toTable()).contains("dflt").contains("<- best").contains("ndcg@10");
    }

    @Test
    void tune_ratingModel_minimisesRmse() {
        TrainingConfig defaults = TrainingConfig.builder(ModelType.SVDPP).epochs(9).build();
        TuningResult r =
                Tuner.create(defaults, Duration.ofSeconds(25), 1, fakeClock())
                        .tune(DATA, Tuner.Listener.NONE);
        assertThat(r.metric()).isEqualTo("rmse");
        assertThat(r.bestValue()).isLessThanOrEqualTo(r.defaultValue());
    }

    @Test
    void create_rejectsAZeroOrNegativeBudget() {
        TrainingConfig defaults = TrainingConfig.defaults(ModelType.EASE);
        assertThatThrownBy(() -> Tuner.create(defaults, Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the tuning budget must be positive (such as 60s), was 0.0s: the defaults"
                                + " alone need one training");
        assertThatThrownBy(() -> Tuner.create(defaults, Duration.ofSeconds(-5), 1))
                .hasMessageContaining("was -5.0s");
    }
}
