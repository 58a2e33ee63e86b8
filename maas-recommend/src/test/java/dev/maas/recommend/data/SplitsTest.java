package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {

    /**
     * 30 users with 1 to 30 interactions each; every row has a unique timestamp so rows can be
     * identified across splits.
     */
    private static Interactions data() {
        Interactions.Builder b = Interactions.builder();
        long t = 1000;
        for (int u = 1; u <= 30; u++) {
            for (int k = 0; k < u; k++) {
                long time = 1_000_000L * k + t++;
                b.add("u" + u, "i" + ((u * 31 + k * 17) % 50), 1 + (k % 5), time);
            }
        }
        return b.build();
    }

    private static Set<Long> times(Interactions d) {
        Set<Long> s = new HashSet<>();
        for (int r = 0; r < d.size(); r++) {
            s.add(d.timestamp(r));
        }
        return s;
    }

    @Test
    void randomHoldout_partitionsRowsExactly() {
        Interactions all = data();
        Split split = Splits.randomHoldout(all, 0.2, 11);

        assertThat(split.test().size()).isEqualTo(Math.round(all.size() * 0.2));
        assertThat(split.train().size() + split.test().size()).isEqualTo(all.size());
        Set<Long> train = times(split.train());
        Set<Long> test = times(split.test());
        assertThat(train).doesNotContainAnyElementsOf(test);
        Set<Long> union = new HashSet<>(train);
        union.addAll(test);
        assertThat(union).isEqualTo(times(all));
        assertThat(split.train().sharesIndexWith(split.test())).isTrue();
    }

    @Test
    void randomHoldout_isReproducibleAndSeedDependent() {
        Interactions all = data();

        assertThat(times(Splits.randomHoldout(all, 0.25, 5).test()))
                .isEqualTo(times(Splits.randomHoldout(all, 0.25, 5).test()));
        assertThat(times(Splits.randomHoldout(all, 0.25, 5).test()))
                .isNotEqualTo(times(Splits.randomHoldout(all, 0.25, 6).test()));
    }

    @Test
    void leaveLastOut_holdsOutEachUsersLatestRowOnly() {
        Interactions all = data();
        Split split = Splits.leaveLastOut(all, 3);

        Map<Integer, Long> latestTrain = new HashMap<>();
        for (int r = 0; r < split.train().size(); r++) {
            latestTrain.merge(split.train().user(r), split.train().timestamp(r), Math::max);
        }
        Map<Integer, Integer> testRows = new HashMap<>();
        for (int r = 0; r < split.test().size(); r++) {
            int u = split.test().user(r);
            testRows.merge(u, 1, Integer::sum);
            assertThat(split.test().timestamp(r)).isGreaterThanOrEqualTo(latestTrain.get(u));
        }
        // 29 users have two or more rows; the single-row user keeps its row in training.
        assertThat(split.test().size()).isEqualTo(29);
        assertThat(testRows.values()).containsOnly(1);
        assertThat(testRows).doesNotContainKey(all.users().indexOf("u1"));
        assertThat(times(split.train())).doesNotContainAnyElementsOf(times(split.test()));
    }

    @Test
    void leaveLastOut_breaksTimestampTiesWithTheSeed() {
        Interactions.Builder b = Interactions.builder();
        for (int k = 0; k < 12; k++) {
            b.add("u", "i" + k, 3, k < 2 ? k : 99);
        }
        Interactions tied = b.build();
        Set<Integer> chosen = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            Split s = Splits.leaveLastOut(tied, seed);
            assertThat(s.test().size()).isEqualTo(1);
            assertThat(s.test().timestamp(0)).isEqualTo(99L);
            chosen.add(s.test().item(0));
            assertThat(Splits.leaveLastOut(tied, seed).test().item(0)).isEqualTo(s.test().item(0));
        }
        assertThat(chosen).hasSizeGreaterThan(3);
    }

    @Test
    void kFold_testsEveryRowExactlyOnce() {
        Interactions all = data();
        List<Split> folds = Splits.kFold(all, 5, 9);

        assertThat(folds).hasSize(5);
        List<Long> tested = new ArrayList<>();
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Split f : folds) {
            assertThat(f.train().size() + f.test().size()).isEqualTo(all.size());
            assertThat(times(f.train())).doesNotContainAnyElementsOf(times(f.test()));
            tested.addAll(times(f.test()));
            min = Math.min(min, f.test().size());
            max = Math.max(max, f.test().size());
        }
        assertThat(tested).hasSize(all.size()).doesNotHaveDuplicates();
        assertThat(max - min).isLessThanOrEqualTo(1);
        assertThat(times(Splits.kFold(all, 5, 9).get(2).test()))
                .isEqualTo(times(folds.get(2).test()));
    }

    @Test
    void splits_rejectBadArguments() {
        Interactions all = data();
        assertThatThrownBy(() -> Splits.randomHoldout(all, 1.0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("testFraction must be > 0 and < 1, was 1.0");
        assertThatThrownBy(() -> Splits.kFold(all, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be between 2");
    }
}
