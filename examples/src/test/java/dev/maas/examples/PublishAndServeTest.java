package dev.maas.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishAndServeTest {
    @Test
    void run_publishesAndServesWhatTheArtifactComputes(@TempDir Path root) throws Exception {
        PublishAndServe.Report report = PublishAndServe.run(root, 3, 20);

        assertThat(report.card().ref().toString()).isEqualTo("watch-time:1");
        assertThat(report.latenciesNanos()).hasSize(60);
        assertThat(report.latenciesNanos()[0]).isPositive();
        assertThat(root.resolve("models/watch-time/aliases.properties"))
                .content()
                .contains("production=1");

        // Load the published files directly with DJL, bypassing maas, and compare.
        Path version = root.resolve("models/watch-time/1");
        try (Model model = Model.newInstance("watch-time", "PyTorch");
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            model.setBlock(WatchTimeBlockFactory.create());
            model.load(version, "watch-time");
            float[] expected =
                    model.getBlock()
                            .forward(
                                    new ParameterStore(manager, false),
                                    new NDList(
                                            manager.ones(
                                                    new Shape(2, WatchTimeBlockFactory.FEATURES))),
                                    false)
                            .singletonOrThrow()
                            .toFloatArray();
            assertThat(report.onesPrediction()).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(report.onesPrediction()[i]).isCloseTo(expected[i], within(1e-6f));
            }
        }
    }
}
