package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficPolicyTest {
    @Test
    void weights_areNormalisedAndSortedByVersion_zeroWeightsDropped() {
        TrafficPolicy p = new TrafficPolicy(Map.of(3, 3.0, 1, 1.0, 2, 0.0), 0, 0);
        assertThat(p.weights()).containsExactly(Map.entry(1, 0.25), Map.entry(3, 0.75));
        assertThat(p.isSplit()).isTrue();
        assertThat(p.hasShadow()).isFalse();
    }

    @Test
    void pick_givesEachVersionARangeAsWideAsItsWeight() {
        TrafficPolicy p = new TrafficPolicy(Map.of(1, 0.9, 2, 0.1), 0, 0);
        assertThat(p.pick(0.0)).isEqualTo(1);
        assertThat(p.pick(0.8999)).isEqualTo(1);
        assertThat(p.pick(0.9001)).isEqualTo(2);
        assertThat(p.pick(0.99999)).isEqualTo(2);
    }

    @Test
    void invalidPolicies_areRejectedWithTheReason() {
        assertThatThrownBy(() -> new TrafficPolicy(Map.of(1, Double.NaN), 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite and >= 0");
        assertThatThrownBy(() -> new TrafficPolicy(Map.of(0, 1.0), 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("versions must be >= 1");
        assertThatThrownBy(() -> new TrafficPolicy(Map.of(), 2, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shadowFraction");
        assertThatThrownBy(() -> new TrafficPolicy(Map.of(), 0, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shadowFraction");
    }

    @Test
    void unitHash_isStable_inRange_andSpreadsKeysEvenly() {
        assertThat(ModelService.unitHash("m@prod", "user-42"))
                .isEqualTo(ModelService.unitHash("m@prod", "user-42"));
        assertThat(ModelService.unitHash("m@prod", "user-42"))
                .isNotEqualTo(ModelService.unitHash("m@staging", "user-42"));
        int n = 100_000;
        int[] buckets = new int[10];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double u = ModelService.unitHash("m@prod", "user-" + i);
            assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
            buckets[(int) (u * 10)]++;
            sum += u;
        }
        // Each tenth holds 10,000 keys, standard deviation 95: allow 5 of them.
        for (int b : buckets) {
            assertThat(b).isBetween(10_000 - 475, 10_000 + 475);
        }
        assertThat(sum / n).isCloseTo(0.5, within(0.005));
    }
}
