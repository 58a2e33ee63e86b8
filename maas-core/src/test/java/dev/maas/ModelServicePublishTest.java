package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publish path of {@link ModelService}: what works without any engine on the class path. */
class ModelServicePublishTest {
    @TempDir Path tmp;
    private ModelService maas;

    @BeforeEach
    void open() {
        maas = ModelService.builder().root(tmp.resolve("repo")).backends(List.of()).build();
    }

    @AfterEach
    void close() {
        maas.close();
    }

    private ModelPackage pkg(String name, String content) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("model.bin"), content);
        return ModelPackage.of(ModelCard.builder(name).description(content).build(), dir);
    }

    @Test
    void publish_thenResolve_seesEachNewVersionAtOnce() throws IOException {
        assertThat(maas.publish(pkg("m", "a")).version()).isEqualTo(1);
        assertThat(maas.resolve(ModelRef.parse("m")).version()).isEqualTo(1);
        assertThat(maas.publish(pkg("m", "b")).version()).isEqualTo(2);
        // The resolve cache is dropped on publish: no wait for the refresh interval.
        assertThat(maas.resolve(ModelRef.parse("m")).version()).isEqualTo(2);
        assertThat(maas.resolve(ModelRef.parse("m:1")).description()).isEqualTo("a");
        assertThat(maas.models()).containsExactly("m");
        assertThat(maas.versions("m")).extracting(ModelCard::description).containsExactly("a", "b");
    }

    @Test
    void aliasesSetInTheRepository_resolveThroughTheService() throws IOException {
        maas.publish(pkg("m", "a"));
        maas.publish(pkg("m", "b"));
        maas.repository().setAlias("m", "production", 1);
        assertThat(maas.aliases("m")).isEqualTo(Map.of("production", 1));
        assertThat(maas.resolve(ModelRef.parse("m@production")).description()).isEqualTo("a");
    }

    @Test
    void setAlias_versionThatCannotLoad_refusedAndAliasUnchanged() throws IOException {
        maas.publish(pkg("m", "a"));
        maas.repository().setAlias("m", "production", 1);
        maas.publish(pkg("m", "b"));
        // No engine can load it here, so the alias must not move to it.
        assertThatThrownBy(() -> maas.setAlias("m", "production", 2))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("m:2")
                .hasMessageContaining("engines available: none");
        assertThat(maas.aliases("m")).isEqualTo(Map.of("production", 1));
        assertThat(maas.storeStats().loadFailures()).isEqualTo(1);
        assertThat(maas.storeStats().loaded()).isZero();
    }

    @Test
    void delete_throughTheService_refusedWhileAliased_thenGone() throws IOException {
        maas.publish(pkg("m", "a"));
        maas.publish(pkg("m", "b"));
        maas.repository().setAlias("m", "production", 2);
        assertThatThrownBy(() -> maas.delete("m", 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("production");
        maas.repository().setAlias("m", "production", 1);
        maas.delete("m", 2);
        assertThat(maas.resolve(ModelRef.parse("m")).version()).isEqualTo(1);
        assertThatThrownBy(() -> maas.resolve(ModelRef.parse("m:2")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("versions: [1]");
    }

    @Test
    void unknownReferences_throwModelNotFoundListingWhatExists() throws IOException {
        maas.publish(pkg("known", "a"));
        assertThatThrownBy(() -> maas.resolve(ModelRef.parse("ghost")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("models: known");
        assertThatThrownBy(() -> maas.endpoint("known@production").card())
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("aliases: none");
        assertThatThrownBy(() -> maas.versions("ghost"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("known");
    }

    @Test
    void publishByAnotherProcess_seenAfterTheRefreshInterval() throws IOException {
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        try (ModelService other =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .backends(List.of())
                        .resolveRefresh(java.time.Duration.ofSeconds(1))
                        .ticker(nanos::get)
                        .executor(Runnable::run)
                        .build()) {
            other.publish(pkg("m", "a"));
            assertThat(other.resolve(ModelRef.parse("m")).version()).isEqualTo(1);
            // Another service on the same folder stands for another process.
            maas.publish(pkg("m", "b"));
            assertThat(other.resolve(ModelRef.parse("m")).version())
                    .as("cached within the refresh interval")
                    .isEqualTo(1);

            nanos.addAndGet(java.time.Duration.ofMillis(1500).toNanos());
            other.resolve(ModelRef.parse("m")); // due: refreshed (served the old value once)
            assertThat(other.resolve(ModelRef.parse("m")).version()).isEqualTo(2);
        }
    }

    @Test
    void closedService_refusesPublish() throws IOException {
        ModelPackage p = pkg("m", "a");
        maas.close();
        maas.close();
        assertThatThrownBy(() -> maas.publish(p))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
