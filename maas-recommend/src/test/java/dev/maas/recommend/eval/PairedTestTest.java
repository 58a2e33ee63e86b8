package dev.maas.recommend.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PairedTestTest {
    @Test
    void twoSidedP_matchesPublishedTableValues() {
        // Student t tables: t = 2.228 is the 97.5% point for 10 df, 12.706 for 1 df,
        // 1.96 for (nearly) infinite df; a Cauchy (1 df) variable exceeds |1| with probability 1/2.
        assertThat(PairedTest.twoSidedP(2.228, 10)).isCloseTo(0.05, within(2e-4));
        assertThat(PairedTest.twoSidedP(12.706, 1)).isCloseTo(0.05, within(2e-4));
        assertThat(PairedTest.twoSidedP(1.959964, 1e7)).isCloseTo(0.05, within(1e-5));
        assertThat(PairedTest.twoSidedP(1, 1)).isCloseTo(0.5, within(1e-12));
        assertThat(PairedTest.twoSidedP(0, 7)).isCloseTo(1, within(1e-12));
        assertThat(PairedTest.twoSidedP(-2.228, 10)).isEqualTo(PairedTest.twoSidedP(2.228, 10));
    }

    @Test
    void regularizedBeta_knownValues() {
        // I_x(1, 1) = x; I_x(2, 1) = x²; I_x(a, b) = 1 - I_{1-x}(b, a).
        assertThat(PairedTest.regularizedBeta(0.3, 1, 1)).isCloseTo(0.3, within(1e-12));
        assertThat(PairedTest.regularizedBeta(0.3, 2, 1)).isCloseTo(0.09, within(1e-12));
        assertThat(PairedTest.regularizedBeta(0.8, 3.5, 2))
                .isCloseTo(1 - PairedTest.regularizedBeta(0.2, 2, 3.5), within(1e-12));
    }

    @Test
    void of_computesTheStatisticByHand() {
        // differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / (sd / 2) = 3.873
        PairedTest t = PairedTest.of(new double[] {2, 4, 6, 8}, new double[] {1, 2, 3, 4});
        assertThat(t.n()).isEqualTo(4);
        assertThat(t.meanDifference()).isEqualTo(2.5);
        assertThat(t.t()).isCloseTo(2.5 / (Math.sqrt(5.0 / 3) / 2), within(1e-12));
        assertThat(t.p()).isCloseTo(0.0305, within(5e-4));
    }

    @Test
    void of_rejectsTooFewOrUnequalSamples() {
        assertThatThrownBy(() -> PairedTest.of(new double[] {1}, new double[] {2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 pairs");
        assertThatThrownBy(() -> PairedTest.of(new double[] {1, 2}, new double[] {2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("differ in size: 2 and 1");
    }
}
