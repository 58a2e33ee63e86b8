package dev.maas.recommend.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseTest {
    /** A random SPD matrix: MᵀM + I. */
    private static double[] spd(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] m = new double[n * n];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextDouble() - 0.5;
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = i == j ? 1 : 0;
                for (int k = 0; k < n; k++) {
                    s += m[k * n + i] * m[k * n + j];
                }
                a[i * n + j] = s;
            }
        }
        return a;
    }

    @Test
    void inverseSpd_timesTheMatrixIsTheIdentity() {
        int n = 37;
        double[] a = spd(n, 3);
        double[] inv = Dense.inverseSpd(a, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += a[i * n + k] * inv[k * n + j];
                }
                assertThat(s).isCloseTo(i == j ? 1 : 0, within(1e-9));
            }
        }
    }

    @Test
    void solve_givesTheSolutionOfTheSystem() {
        int n = 5;
        double[] a = spd(n, 9);
        double[] x = {1, -2, 3, 0.5, 4};
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                b[i] += a[i * n + k] * x[k];
            }
        }
        Dense.solve(Dense.cholesky(a, n), n, b);
        for (int i = 0; i < n; i++) {
            assertThat(b[i]).isCloseTo(x[i], within(1e-10));
        }
    }

    @Test
    void cholesky_rejectsAMatrixThatIsNotPositiveDefinite() {
        assertThatThrownBy(() -> Dense.cholesky(new double[] {1, 2, 2, 1}, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not positive definite (pivot 1");
    }

    @Test
    void gram_isYtY() {
        float[] y = {1, 2, 3, 4, 5, 6}; // 3 x 2
        assertThat(Dense.gram(y, 3, 2)).containsExactly(35, 44, 44, 56);
    }
}
