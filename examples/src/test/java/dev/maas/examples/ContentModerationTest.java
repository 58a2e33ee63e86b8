package dev.maas.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.maas.ModelRef;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentModerationTest {
    @Test
    void run_trainsPrunesQuantizesPublishesAndServes(@TempDir Path root) throws Exception {
        ContentModeration.Result r = ContentModeration.run(root, 1500, 8, true);

        assertThat(r.trained().f1()).isGreaterThan(0.85);
        // Half the weights gone, int8 for the rest: over 5x smaller, F1 within a few points.
        assertThat(r.quantization().ratio()).isGreaterThan(5);
        assertThat(r.quantization().quality("f1").after()).isGreaterThan(r.trained().f1() - 0.05);
        assertThat(r.pruning().ratio()).isBetween(1.8, 2.0);
        assertThat(r.compressed().derivedFrom()).isEqualTo(r.original().ref());
        assertThat(r.compressed().properties())
                .containsEntry("compression.technique", "prune+quantize")
                .containsKey("compression.report");
        assertThat(r.compressed().ref()).isEqualTo(ModelRef.of("moderation", 2));
        // What the endpoint serves is what was measured in process.
        assertThat(r.served().f1())
                .isCloseTo(r.quantization().quality("f1").after(), within(0.005));
        assertThat(r.verdicts().values()).containsExactly(false, true, false);
    }
}
