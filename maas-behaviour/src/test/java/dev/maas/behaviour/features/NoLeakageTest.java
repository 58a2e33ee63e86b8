package dev.maas.behaviour.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.behaviour.churn.ChurnTrainer;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.BehaviourSimulator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The time split never lets an event at or after the cut into the features built at the cut. */
class NoLeakageTest {
    private static BehaviourLog log;
    private static FeatureBuilder builder;
    private static final long CUT = BehaviourSimulator.dayStart(45);

    @BeforeAll
    static void generate() {
        log = BehaviourSimulator.builder().users(300).seed(5).build().generate();
        builder = new FeatureBuilder(log.genres());
    }

    @Test
    void featuresAtTheCut_areTheSameWithoutAnyLaterEvent() {
        UserFeatures full = builder.build(log, CUT);
        UserFeatures past = builder.build(log.before(CUT), CUT);

        assertThat(log.before(CUT).size()).isLessThan(log.size());
        assertThat(past.users()).containsExactly(full.users());
        assertThat(past.values()).containsExactly(full.values());
    }

    @Test
    void changingTheFuture_changesNoFeature_butChangesTheLabels() {
        // A different future: every user's events after the cut replaced by one event each.
        BehaviourLog.Builder b = BehaviourLog.builder(log.titles(), log.genres());
        for (int u = 0; u < log.numUsers(); u++) {
            b.addUser(log.userId(u));
        }
        for (int u = 0; u < log.numUsers(); u++) {
            for (int r = log.start(u); r < log.end(u); r++) {
                if (log.time(r) < CUT) {
                    b.add(u, log.item(r), log.time(r), log.progress(r));
                }
            }
            b.add(u, 0, CUT, 0.5f);
        }
        BehaviourLog otherFuture = b.build();

        UserFeatures a = builder.build(log, CUT);
        UserFeatures c = builder.build(otherFuture, CUT);

        assertThat(c.values()).containsExactly(a.values());
        float[] labels = FeatureBuilder.returnsWithin(log, a, 7 * BehaviourSimulator.DAY);
        float[] allReturn =
                FeatureBuilder.returnsWithin(otherFuture, c, 7 * BehaviourSimulator.DAY);
        assertThat(allReturn).containsOnly(1f);
        assertThat(labels).contains(0f, 1f);
    }

    @Test
    void recency_isMeasuredFromTheCut() {
        UserFeatures f = builder.build(log, CUT);
        int recency = f.names().indexOf("recency_days");
        for (int i = 0; i < f.rows(); i++) {
            int u = f.users()[i];
            long last = Long.MIN_VALUE;
            for (int r = log.start(u); r < log.end(u) && log.time(r) < CUT; r++) {
                last = log.time(r);
            }
            assertThat(f.values()[i * f.width() + recency])
                    .isEqualTo((CUT - last) / (float) BehaviourSimulator.DAY);
            assertThat(f.values()[i * f.width() + recency]).isPositive();
        }
    }

    @Test
    void leaveLastOut_dropsExactlyEachUsersLastEvent() {
        BehaviourLog train = log.withoutLast();
        for (int u = 0; u < log.numUsers(); u++) {
            int n = log.end(u) - log.start(u);
            assertThat(train.end(u) - train.start(u)).isEqualTo(Math.max(0, n - 1));
            for (int r = 0; r < n - 1; r++) {
                assertThat(train.item(train.start(u) + r)).isEqualTo(log.item(log.start(u) + r));
            }
        }
    }

    @Test
    void churnTraining_rejectsLabelsThatReachTheTestFeatures() {
        long day = BehaviourSimulator.DAY;
        assertThatThrownBy(
                        () ->
                                ChurnTrainer.defaults(1)
                                        .train(log, List.of(CUT), CUT + 3 * day, 7 * day))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one horizon after every training cut");
    }

    @Test
    void ordered_namesMissingAndUnknownFeatures() {
        List<String> names = List.of("a", "b", "c");
        assertThat(UserFeatures.ordered(names, Map.of("c", 3, "a", 1, "b", 2)))
                .containsExactly(1f, 2f, 3f);
        assertThatThrownBy(() -> UserFeatures.ordered(names, Map.of("a", 1, "x", 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing features [b, c]; unknown features [x]; expected [a, b, c]");
        assertThatThrownBy(
                        () -> UserFeatures.ordered(names, Map.of("a", 1, "b", Double.NaN, "c", 3)))
                .hasMessage("feature 'b' is NaN; features must be finite");
    }
}
