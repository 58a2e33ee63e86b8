package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {
    @Test
    void mergedWith_cardSetsRecognisedKeysEvenWhenServiceDoesNot() {
        EngineOptions merged =
                EngineOptions.defaults()
                        .mergedWith(
                                Map.of(
                                        EngineOptions.GRAPH_OPTIMIZER,
                                        "false",
                                        EngineOptions.INTRA_OP_THREADS,
                                        "1",
                                        "blockFactory",
                                        "com.example.Factory"));

        assertThat(merged.options())
                .containsEntry(EngineOptions.GRAPH_OPTIMIZER, "false")
                .containsEntry(EngineOptions.INTRA_OP_THREADS, "1")
                .doesNotContainKey("blockFactory");
    }

    @Test
    void mergedWith_cardOverridesServiceOptionsOfTheSameKey() {
        EngineOptions service =
                EngineOptions.defaults()
                        .with(EngineOptions.INTER_OP_THREADS, "4")
                        .with("optLevel", "ALL_OPT");

        EngineOptions merged = service.mergedWith(Map.of("optLevel", "NO_OPT", "owner.note", "x"));

        assertThat(merged.options())
                .containsEntry(EngineOptions.INTER_OP_THREADS, "4")
                .containsEntry("optLevel", "NO_OPT")
                .doesNotContainKey("owner.note");
        assertThat(service.options()).containsEntry("optLevel", "ALL_OPT");
    }
}
