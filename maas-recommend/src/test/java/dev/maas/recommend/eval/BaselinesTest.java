package dev.maas.recommend.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.maas.recommend.data.Interactions;
import org.junit.jupiter.api.Test;

class BaselinesTest {

    @Test
    void biasBaseline_recoversAnExactlyAdditiveMatrix() {
        // r(u, i) = 3 + a_u + b_i, fully observed; without damping the fit is exact.
        double[] a = {0.5, -0.5, 0};
        double[] b = {1, 0, -1};
        Interactions.Builder builder = Interactions.builder();
        for (int u = 0; u < 3; u++) {
            for (int i = 0; i < 3; i++) {
                builder.add("u" + u, "i" + i, (float) (3 + a[u] + b[i]), 0);
            }
        }
        Interactions data = builder.build();
        BiasBaseline fit = BiasBaseline.fit(data, 0, 0);

        assertThat(fit.mean()).isCloseTo(3f, within(1e-6f));
        for (int u = 0; u < 3; u++) {
            assertThat(fit.userBias(u)).isCloseTo((float) a[u], within(1e-5f));
            for (int i = 0; i < 3; i++) {
                assertThat(fit.predictRating(u, i))
                        .isCloseTo((float) (3 + a[u] + b[i]), within(1e-5f));
            }
        }
    }

    @Test
    void biasBaseline_shrinksItemsWithFewRatingsAndClipsToTheScale() {
        Interactions.Builder builder = Interactions.builder();
        for (int u = 0; u < 40; u++) {
            builder.add("u" + u, "common", 3, 0);
        }
        builder.add("u0", "rare", 5, 0);
        Interactions data = builder.build();
        BiasBaseline damped = BiasBaseline.fit(data);
        BiasBaseline undamped = BiasBaseline.fit(data, 0, 0);
        int rare = data.items().indexOf("rare");

        // Undamped, one 5-star rating makes "rare" look nearly 2 stars above the mean.
        assertThat(undamped.itemBias(rare)).isGreaterThan(1.5f);
        // Damped by 25 pseudo-ratings at the mean, it moves about 1/26 of the way.
        assertThat(damped.itemBias(rare)).isBetween(0f, 0.2f);
        assertThat(undamped.predictRating(0, rare)).isLessThanOrEqualTo(5f);
    }

    @Test
    void popularity_scoresByTrainingCount() {
        Interactions data =
                Interactions.builder()
                        .add("a", "x", 1, 0)
                        .add("b", "y", 1, 0)
                        .add("c", "y", 1, 0)
                        .add("a", "z", 1, 0)
                        .add("b", "z", 1, 0)
                        .add("c", "z", 1, 0)
                        .build();
        PopularityBaseline pop = PopularityBaseline.fit(data);
        float[] scores = new float[3];
        pop.scoreAll(0, scores);

        assertThat(scores).containsExactly(1f, 2f, 3f);
        assertThat(pop.count(2)).isEqualTo(3);
        assertThatThrownBy(() -> pop.scoreAll(0, new float[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores has length 2, expected 3");
    }

    @Test
    void biasBaseline_rejectsEmptyData() {
        Interactions empty = Interactions.builder().build();
        assertThatThrownBy(() -> BiasBaseline.fit(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty training set");
    }
}
