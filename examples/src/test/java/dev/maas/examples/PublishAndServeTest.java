package dev.maas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishAndServeTest {
    @Test
    void run_publishesAndServesFromSeveralThreads(@TempDir Path root) throws Exception {
        List<String> report = PublishAndServe.run(root, 3, 20);

        assertThat(report.get(0)).startsWith("published watch-time:1 with files");
        assertThat(report.get(1)).startsWith("served 60 predictions from 3 threads");
        assertThat(root.resolve("models/watch-time/1/model-card.json")).exists();
        assertThat(root.resolve("models/watch-time/aliases.properties"))
                .content()
                .contains("production=1");
    }
}
