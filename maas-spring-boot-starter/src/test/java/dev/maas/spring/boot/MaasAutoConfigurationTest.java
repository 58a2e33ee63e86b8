package dev.maas.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.maas.Endpoint;
import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.ServingOptions;
import dev.maas.recommend.Recommender;
import dev.maas.testing.TextBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class MaasAutoConfigurationTest {
    @TempDir Path tmp;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MaasAutoConfiguration.class))
                .withPropertyValues("maas.root=" + tmp.resolve("repo"))
                .withBean(
                        "textBackend",
                        ModelServiceBuilderCustomizer.class,
                        () -> b -> b.backends(List.of(new TextBackend())));
    }

    private ModelCard publishText(ModelService maas, String name, String text) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("model.txt"), text);
        return maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name).task("test").engine("text").format("txt").build(),
                        dir));
    }

    @Test
    void properties_areBoundToTheService() {
        runner().withPropertyValues(
                        "maas.cache.max-bytes=64MB",
                        "maas.cache.expire-after-idle=10m",
                        "maas.resolve-refresh=5s",
                        "maas.serving.max-batch-size=8",
                        "maas.serving.max-batch-delay=3ms",
                        "maas.serving.queue-capacity=100",
                        "maas.serving.workers=2",
                        "maas.serving.warm-up=false",
                        "maas.serving.warm-up-batch-sizes=1,4",
                        "maas.serving.max-predictors=6",
                        "maas.serving.hand-off-cost=20us",
                        "maas.engine.device=gpu1",
                        "maas.engine.intra-op-threads=4",
                        "maas.engine.inter-op-threads=1",
                        "maas.engine.graph-optimizer=false",
                        "maas.engine.options.custom=yes",
                        "maas.engine.options.mapLocation=true")
                .run(
                        ctx -> {
                            assertThat(ctx).hasSingleBean(ModelService.class);
                            MaasProperties p = ctx.getBean(MaasProperties.class);
                            assertThat(p.getRoot()).isEqualTo(tmp.resolve("repo"));
                            assertThat(p.getCache().getMaxBytes().toBytes()).isEqualTo(64L << 20);
                            assertThat(p.getCache().getExpireAfterIdle())
                                    .isEqualTo(Duration.ofMinutes(10));
                            assertThat(p.getResolveRefresh()).isEqualTo(Duration.ofSeconds(5));
                            assertThat(p.getServing().toOptions())
                                    .isEqualTo(
                                            ServingOptions.builder()
                                                    .maxBatchSize(8)
                                                    .maxBatchDelay(Duration.ofMillis(3))
                                                    .queueCapacity(100)
                                                    .workers(2)
                                                    .warmUp(false)
                                                    .warmUpBatchSizes(1, 4)
                                                    .maxPredictors(6)
                                                    .handOffCost(Duration.ofNanos(20_000))
                                                    .build());
                            EngineOptions engine = p.getEngine().toOptions();
                            assertThat(engine.device()).isEqualTo(Device.gpu(1));
                            assertThat(engine.options())
                                    .isEqualTo(
                                            Map.of(
                                                    EngineOptions.INTRA_OP_THREADS,
                                                    "4",
                                                    EngineOptions.INTER_OP_THREADS,
                                                    "1",
                                                    EngineOptions.GRAPH_OPTIMIZER,
                                                    "false",
                                                    "custom",
                                                    "yes",
                                                    "mapLocation",
                                                    "true"));
                            ModelService maas = ctx.getBean(ModelService.class);
                            publishText(maas, "greeter", "hello");
                            assertThat(Files.isDirectory(tmp.resolve("repo/models/greeter")))
                                    .isTrue();
                        });
    }

    @Test
    void defaults_leaveTheBuilderDefaults() {
        runner().run(
                        ctx -> {
                            MaasProperties p = ctx.getBean(MaasProperties.class);
                            assertThat(p.getServing().toOptions())
                                    .isEqualTo(ServingOptions.defaults());
                            assertThat(p.getEngine().toOptions())
                                    .isEqualTo(EngineOptions.defaults());
                        });
    }

    @Test
    void outOfRangeValue_failsStartupNamingTheProperty() {
        runner().withPropertyValues("maas.serving.max-batch-size=0")
                .run(
                        ctx ->
                                assertThat(ctx)
                                        .getFailure()
                                        .hasStackTraceContaining(
                                                "invalid maas.serving.max-batch-size:"
                                                        + " maxBatchSize must be > 0, was 0"));
        runner().withPropertyValues("maas.cache.expire-after-idle=0s")
                .run(
                        ctx ->
                                assertThat(ctx)
                                        .getFailure()
                                        .hasStackTraceContaining(
                                                "invalid maas.cache.expire-after-idle"));
        runner().withPropertyValues("maas.engine.device=tpu")
                .run(
                        ctx ->
                                assertThat(ctx)
                                        .getFailure()
                                        .hasStackTraceContaining("invalid maas.engine.device")
                                        .hasStackTraceContaining("was 'tpu'"));
    }

    @Test
    void unknownOrMalformedValue_failsStartup() {
        runner().withPropertyValues("maas.serving.max-batch-sise=8")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("max-batch-sise"));
        runner().withPropertyValues("maas.serving.workers=many")
                .run(
                        ctx ->
                                assertThat(ctx)
                                        .getFailure()
                                        .hasStackTraceContaining("maas.serving.workers"));
    }

    @Test
    void userBean_winsAndIsUsedByTheOtherBeans() {
        ModelService own = ModelService.builder().root(tmp.resolve("own")).build();
        try {
            runner().withBean(ModelService.class, () -> own)
                    .run(
                            ctx -> {
                                assertThat(ctx.getBean(ModelService.class)).isSameAs(own);
                                assertThat(ctx.getBean(MaasReferences.class).service())
                                        .isSameAs(own);
                            });
        } finally {
            own.close();
        }
    }

    @Test
    void closingTheContext_closesTheService() {
        ModelService[] seen = new ModelService[1];
        runner().run(ctx -> seen[0] = ctx.getBean(ModelService.class));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> seen[0].publish(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void meterRegistry_isWiredInWhenPresent() {
        runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(
                        ctx -> {
                            ModelService maas = ctx.getBean(ModelService.class);
                            publishText(maas, "greeter", "hello");
                            maas.apply(
                                    dev.maas.ModelRef.parse("greeter"),
                                    TextBackend.TextModel.class,
                                    m -> m.text);
                            assertThat(ctx.getBean(MeterRegistry.class).getMeters())
                                    .anySatisfy(
                                            m ->
                                                    assertThat(m.getId().getName())
                                                            .startsWith("maas."));
                        });
    }

    @Test
    void health_isUpUntilALoadFails() {
        runner().run(
                        ctx -> {
                            ModelService maas = ctx.getBean(ModelService.class);
                            HealthIndicator indicator =
                                    ctx.getBean("maasHealthIndicator", HealthIndicator.class);
                            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

                            ModelCard ok = publishText(maas, "greeter", "hello");
                            maas.apply(ok.ref(), TextBackend.TextModel.class, m -> m.text);
                            ModelCard broken = publishText(maas, "broken", "good bytes");
                            Files.writeString(
                                    tmp.resolve("repo/models/broken/1/model.txt"), "bad bytes!");
                            org.assertj.core.api.Assertions.assertThatThrownBy(
                                    () ->
                                            maas.apply(
                                                    broken.ref(),
                                                    TextBackend.TextModel.class,
                                                    m -> m.text));

                            Health health = indicator.health();
                            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                            @SuppressWarnings("unchecked")
                            Map<String, Map<String, Object>> models =
                                    (Map<String, Map<String, Object>>)
                                            health.getDetails().get("models");
                            assertThat(models.get("greeter:1")).containsEntry("state", "READY");
                            assertThat(models.get("broken:1"))
                                    .containsEntry("state", "FAILED")
                                    .containsKey("since");
                            assertThat((String) models.get("broken:1").get("reason")).isNotBlank();
                        });
    }

    @Test
    void health_canBeTurnedOffAndNeedsActuator() {
        runner().withPropertyValues("management.health.maas.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean("maasHealthIndicator"));
        runner().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(
                        ctx -> {
                            assertThat(ctx).doesNotHaveBean("maasHealthIndicator");
                            assertThat(ctx).hasSingleBean(ModelService.class);
                        });
    }

    @Test
    void recommenders_needTheRecommendModule() {
        runner().run(ctx -> assertThat(ctx).hasSingleBean(MaasRecommenders.class));
        runner().withClassLoader(new FilteredClassLoader(Recommender.class))
                .run(
                        ctx -> {
                            assertThat(ctx).doesNotHaveBean(MaasRecommenders.class);
                            assertThat(ctx).hasSingleBean(MaasReferences.class);
                        });
    }

    /** A bean with annotated fields. */
    static class Client {
        @MaasModel("greeter@production")
        Endpoint greeter;
    }

    /** A bean asking for a type that is no model. */
    static class WrongClient {
        @MaasModel("greeter")
        String greeter;
    }

    @Configuration(proxyBeanMethods = false)
    static class ClientConfig {
        @Bean
        Client client() {
            return new Client();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WrongClientConfig {
        @Bean
        WrongClient client() {
            return new WrongClient();
        }
    }

    @Test
    void maasModelFields_areInjected() {
        runner().withUserConfiguration(ClientConfig.class)
                .run(
                        ctx -> {
                            Endpoint e = ctx.getBean(Client.class).greeter;
                            assertThat(e).isNotNull();
                            assertThat(e.ref().toString()).isEqualTo("greeter@production");
                        });
        runner().withUserConfiguration(WrongClientConfig.class)
                .run(
                        ctx ->
                                assertThat(ctx)
                                        .getFailure()
                                        .hasStackTraceContaining("@MaasModel(\"greeter\")")
                                        .hasStackTraceContaining("java.lang.String"));
    }
}
