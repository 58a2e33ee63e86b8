package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServingOptionsTest {
    private static ModelCard.Builder card() {
        return ModelCard.builder("m")
                .version(1)
                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, 4))
                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, 2));
    }

    @Test
    void builder_failsFastWithTheSettingInTheMessage() {
        assertThatThrownBy(() -> ServingOptions.builder().maxBatchSize(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBatchSize must be > 0, was 0");
        assertThatThrownBy(
                        () -> ServingOptions.builder().maxBatchDelay(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBatchDelay");
        assertThatThrownBy(() -> ServingOptions.builder().queueCapacity(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queueCapacity must be > 0");
        assertThatThrownBy(() -> ServingOptions.builder().workers(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workers must be >= 0");
        assertThatThrownBy(() -> ServingOptions.builder().maxPredictors(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPredictors must be >= 0 (0 = auto), was -1");
        assertThatThrownBy(() -> ServingOptions.builder().handOffCost(Duration.ofNanos(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("handOffCost must be between 0 and");
        assertThatThrownBy(() -> ServingOptions.builder().warmUpBatchSizes(1, 0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warm-up batch sizes");
    }

    @Test
    void defaultWorkers_followCoresAndIntraOpThreads() {
        EngineOptions none = EngineOptions.defaults();
        assertThat(ServingConfig.defaultWorkers(none, 1)).isEqualTo(1);
        assertThat(ServingConfig.defaultWorkers(none, 16)).isEqualTo(2);
        EngineOptions oneThread = none.with(EngineOptions.INTRA_OP_THREADS, "1");
        assertThat(ServingConfig.defaultWorkers(oneThread, 16)).isEqualTo(16);
        EngineOptions four = none.with(EngineOptions.INTRA_OP_THREADS, "4");
        assertThat(ServingConfig.defaultWorkers(four, 16)).isEqualTo(4);
        assertThat(ServingConfig.defaultWorkers(four, 2)).isEqualTo(1);
    }

    @Test
    void resolve_batchesOnlyWithABatchDimension_andSaysWhyNot() {
        ServingOptions opts = ServingOptions.builder().maxBatchSize(8).workers(3).build();
        ServingConfig ok = ServingConfig.resolve(card().build(), opts, EngineOptions.defaults(), 2);
        assertThat(ok.batching()).isTrue();
        assertThat(ok.workers()).isEqualTo(3);
        assertThat(ok.warmUpSizes()).containsExactly(1, 2, 4, 8);

        ServingConfig fixed =
                ServingConfig.resolve(
                        card().inputs(TensorSpec.of("x", DataType.FLOAT32, 1, 4)).build(),
                        opts,
                        EngineOptions.defaults(),
                        2);
        assertThat(fixed.batching()).isFalse();
        assertThat(fixed.whyNotBatching()).contains("no -1 batch dimension");
        assertThat(fixed.warmUpSizes()).containsExactly(1);

        ServingConfig none =
                ServingConfig.resolve(
                        card().inputs(List.of()).build(), opts, EngineOptions.defaults(), 2);
        assertThat(none.whyNotBatching()).contains("no input signature");

        ServingConfig off =
                ServingConfig.resolve(
                        card().property(ServingOptions.BATCHING, "false").build(),
                        opts,
                        EngineOptions.defaults(),
                        2);
        assertThat(off.batching()).isFalse();
        assertThat(off.whyNotBatching()).contains("maas.batching=false");
    }

    @Test
    void resolve_cardPropertiesOverrideTheServiceDefaults() {
        ModelCard c =
                card().property(ServingOptions.MAX_BATCH_SIZE, "5")
                        .property(ServingOptions.MAX_BATCH_DELAY_MILLIS, "2.5")
                        .property(ServingOptions.QUEUE_CAPACITY, "7")
                        .property(ServingOptions.WORKERS, "4")
                        .property(ServingOptions.WARM_UP, "false")
                        .property(ServingOptions.MAX_PREDICTORS, "6")
                        .property(ServingOptions.HAND_OFF_COST_MICROS, "12.5")
                        .build();
        ServingConfig cfg =
                ServingConfig.resolve(c, ServingOptions.defaults(), EngineOptions.defaults(), 2);
        assertThat(cfg.maxBatchSize()).isEqualTo(5);
        assertThat(cfg.maxDelayNanos()).isEqualTo(2_500_000);
        assertThat(cfg.queueCapacity()).isEqualTo(7);
        assertThat(cfg.workers()).isEqualTo(4);
        assertThat(cfg.warmUp()).isFalse();
        assertThat(cfg.warmUpSizes()).containsExactly(1, 2, 4, 5);
        assertThat(cfg.maxPredictors()).isEqualTo(6);
        assertThat(cfg.handOffNanos()).isEqualTo(12_500);
    }

    @Test
    void resolve_predictorsDefaultTo16PerCore_neverFewerThanTheWorkers() {
        ServingConfig auto =
                ServingConfig.resolve(
                        card().build(), ServingOptions.defaults(), EngineOptions.defaults(), 2);
        assertThat(auto.maxPredictors()).isEqualTo(32);
        assertThat(auto.handOffNanos()).isEqualTo(50_000);
        ServingConfig few =
                ServingConfig.resolve(
                        card().build(),
                        ServingOptions.builder().workers(5).maxPredictors(3).build(),
                        EngineOptions.defaults(),
                        2);
        assertThat(few.maxPredictors()).isEqualTo(5);
        ServingConfig off =
                ServingConfig.resolve(
                        card().build(),
                        ServingOptions.builder().handOffCost(Duration.ZERO).build(),
                        EngineOptions.defaults(),
                        2);
        assertThat(off.handOffNanos()).isZero();
    }

    @Test
    void resolve_rejectsMalformedCardPropertiesNamingThem() {
        assertThatThrownBy(
                        () ->
                                ServingConfig.resolve(
                                        card().property(ServingOptions.MAX_BATCH_SIZE, "lots")
                                                .build(),
                                        ServingOptions.defaults(),
                                        EngineOptions.defaults(),
                                        2))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("maas.maxBatchSize")
                .hasMessageContaining("m:1")
                .hasMessageContaining("'lots'")
                .hasMessageContaining("an integer >= 1");
        assertThatThrownBy(
                        () ->
                                ServingConfig.resolve(
                                        card().property(ServingOptions.BATCHING, "yes").build(),
                                        ServingOptions.defaults(),
                                        EngineOptions.defaults(),
                                        2))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("true or false");
        assertThatThrownBy(
                        () ->
                                ServingConfig.resolve(
                                        card().property(ServingOptions.HAND_OFF_COST_MICROS, "-3")
                                                .build(),
                                        ServingOptions.defaults(),
                                        EngineOptions.defaults(),
                                        2))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("maas.handOffCostMicros")
                .hasMessageContaining("'-3', expected microseconds");
    }

    @Test
    void callOptions_rejectNonPositiveDeadlines() {
        assertThatThrownBy(() -> CallOptions.ofDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deadline must be > 0");
        CallOptions o = CallOptions.ofKey("u").withDeadline(Duration.ofMillis(5));
        assertThat(o.key()).isEqualTo("u");
        assertThat(o.deadline()).isEqualTo(Duration.ofMillis(5));
        assertThat(o.withDeadline(null).deadline()).isNull();
    }
}
