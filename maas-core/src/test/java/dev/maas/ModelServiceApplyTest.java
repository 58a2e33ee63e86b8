package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.testing.TextBackend;
import dev.maas.testing.TextBackend.TextModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelService#apply}: models served through an API of their own. The backend here is a real
 * (if tiny) one: it reads a text artifact from the verified version folder.
 */
class ModelServiceApplyTest {
    @TempDir Path tmp;

    private ModelService maas;

    private final TextBackend backend = new TextBackend();

    @BeforeEach
    void setUp() {
        maas = ModelService.builder().root(tmp.resolve("repo")).backends(List.of(backend)).build();
    }

    @AfterEach
    void tearDown() {
        maas.close();
    }

    private ModelCard publish(String name, String text) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("model.txt"), text);
        return maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name).task("test").engine("text").format("txt").build(),
                        dir));
    }

    @Test
    void apply_runsOnTheLoadedModelAndCachesIt() throws IOException {
        ModelCard card = publish("greeter", "hello");

        String first = maas.apply(card.ref(), TextModel.class, m -> m.text);
        String second = maas.apply(ModelRef.latest("greeter"), TextModel.class, m -> m.text + "!");

        assertThat(first).isEqualTo("hello");
        assertThat(second).isEqualTo("hello!");
        assertThat(backend.loads).hasValue(1);
    }

    @Test
    void apply_followsTheAliasAtCallTime() throws IOException {
        ModelCard v1 = publish("greeter", "one");
        ModelCard v2 = publish("greeter", "two");
        ModelRef production = ModelRef.parse("greeter@production");

        maas.setAlias("greeter", "production", v1.version());
        String before = maas.apply(production, TextModel.class, m -> m.text);
        maas.setAlias("greeter", "production", v2.version());
        String after = maas.apply(production, TextModel.class, m -> m.text);

        assertThat(before).isEqualTo("one");
        assertThat(after).isEqualTo("two");
    }

    @Test
    void apply_rejectsAModelOfAnotherKind_namingIt() throws IOException {
        ModelCard card = publish("greeter", "hello");

        assertThatThrownBy(() -> maas.apply(card.ref(), Integer.class, i -> i + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("greeter:1")
                .hasMessageContaining("task test")
                .hasMessageContaining("format txt")
                .hasMessageContaining("is not a java.lang.Integer");
        // The service keeps serving the model afterwards.
        String text = maas.apply(card.ref(), TextModel.class, m -> m.text);
        assertThat(text).isEqualTo("hello");
    }

    @Test
    void apply_holdsTheModelUntilTheCallReturns_evenIfDeletedMeanwhile() throws Exception {
        ModelCard card = publish("greeter", "hello");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> closedDuringCall =
                    pool.submit(
                            () ->
                                    maas.apply(
                                            card.ref(),
                                            TextModel.class,
                                            m -> {
                                                inside.countDown();
                                                await(proceed);
                                                return m.closed;
                                            }));
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            TextModel held = maas.apply(card.ref(), TextModel.class, m -> m);

            maas.delete("greeter", card.version());
            assertThat(held.closed).as("closed while a call holds it").isFalse();
            proceed.countDown();

            assertThat(closedDuringCall.get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(held.closed).as("closed once the last call returned").isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void apply_unknownModel_throwsModelNotFound() {
        assertThatThrownBy(
                        () ->
                                maas.apply(
                                        ModelRef.parse("nothing@production"), Object.class, o -> o))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("nothing");
    }

    @Test
    void missingBackend_namesTheArtifactFromTheCard() throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("factors.bin"), "x");
        ModelCard card =
                maas.publish(
                        ModelPackage.of(
                                ModelCard.builder("movies")
                                        .engine("recommender")
                                        .format("factors")
                                        .property(
                                                dev.maas.spi.EngineBackend.ARTIFACT_PROPERTY,
                                                "dev.maas:maas-recommend")
                                        .build(),
                                dir));

        assertThatThrownBy(() -> maas.apply(card.ref(), Object.class, o -> o))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("needs engine recommender")
                .hasMessageContaining("add the Maven dependency dev.maas:maas-recommend")
                .hasMessageNotContaining("maas-engine-recommender");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
