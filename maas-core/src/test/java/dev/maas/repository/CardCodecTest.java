package dev.maas.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CardCodecTest {

    /** A card with every field set to something other than its default. */
    static ModelCard fullCard() {
        return ModelCard.builder("movie-ranker")
                .version(7)
                .task("recommendation")
                .engine("PyTorch")
                .format("djl")
                .inputs(
                        TensorSpec.of("user", DataType.INT64, -1),
                        TensorSpec.of("history", DataType.FLOAT32, -1, 20, 64))
                .outputs(TensorSpec.of("", DataType.FLOAT16, -1, 1000))
                .tags("movies", "two-tower", "ünïcode")
                .owner("team-discovery")
                .description("Ranks \"movies\"\nfor a user; line two")
                .metric("recall@10", 0.4125)
                .metric("rmse", 0.87)
                .createdAt(Instant.parse("2024-11-30T23:59:59.987654321Z"))
                .artifacts(
                        Map.of("model.params", "ab".repeat(32), "sub/vocab.txt", "cd".repeat(32)))
                .derivedFrom(ModelRef.parse("movie-ranker-base@champion"))
                .property("interOpThreads", "2")
                .property("maas.block", "dev.maas.testing.SomeFactory")
                .license("Apache-2.0")
                .datasets("movielens-25m", "watch-logs-2024")
                .intendedUse("Ranking candidate movies on the home page.")
                .limitations(
                        "Cold-start users get popular titles; trained on\nEnglish titles only.")
                .inputExample("{\"user\": [42], \"history\": [[0.5, -1e-3]]}")
                .engineVersion("2.5.1")
                .visibility(Visibility.RESTRICTED)
                .build();
    }

    @Test
    void fullCard_setsEveryComponent_soTheRoundTripsBelowCoverNewFieldsToo() throws Exception {
        ModelCard card = fullCard();
        for (RecordComponent c : ModelCard.class.getRecordComponents()) {
            Object value = c.getAccessor().invoke(card);
            assertThat(value).as(c.getName()).isNotNull();
            if (value instanceof Collection<?> coll) {
                assertThat(coll).as(c.getName()).isNotEmpty();
            }
            if (value instanceof Map<?, ?> map) {
                assertThat(map).as(c.getName()).isNotEmpty();
            }
        }
        assertThat(card.visibility()).isNotEqualTo(Visibility.PUBLIC);
    }

    @Test
    void toBuilder_keepsEveryField() {
        ModelCard card = fullCard();
        assertThat(card.toBuilder().build()).isEqualTo(card);
        assertThat(CardCodec.fromJson(CardCodec.toJson(card)).toBuilder().build()).isEqualTo(card);
    }

    @Test
    void toBuilder_changesOnlyWhatIsSet() {
        ModelCard card = fullCard();
        ModelCard changed = card.toBuilder().visibility(Visibility.PRIVATE).datasets().build();
        assertThat(changed.visibility()).isEqualTo(Visibility.PRIVATE);
        assertThat(changed.datasets()).isEmpty();
        assertThat(changed.license()).isEqualTo(card.license());
        assertThat(card.datasets()).containsExactly("movielens-25m", "watch-logs-2024");
    }

    @Test
    void marketplaceFields_roundTripExactly() {
        ModelCard back = CardCodec.fromJson(CardCodec.toJson(fullCard()));
        assertThat(back.license()).isEqualTo("Apache-2.0");
        assertThat(back.datasets()).containsExactly("movielens-25m", "watch-logs-2024");
        assertThat(back.intendedUse()).isEqualTo("Ranking candidate movies on the home page.");
        assertThat(back.limitations()).contains("\nEnglish");
        assertThat(back.inputExample()).isEqualTo("{\"user\": [42], \"history\": [[0.5, -1e-3]]}");
        assertThat(back.engineVersion()).isEqualTo("2.5.1");
        assertThat(back.visibility()).isEqualTo(Visibility.RESTRICTED);
    }

    /** A card exactly as the codec wrote it before cards had marketplace fields. */
    @Test
    void fromJson_cardWrittenBeforeMarketplaceFields_readsWithDefaults() throws IOException {
        String json;
        try (InputStream in = CardCodecTest.class.getResourceAsStream("card-v0.1.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(json).doesNotContain("visibility").doesNotContain("license");

        ModelCard card = CardCodec.fromJson(json);

        assertThat(card.name()).isEqualTo("movie-ranker");
        assertThat(card.version()).isEqualTo(7);
        assertThat(card.task()).isEqualTo("recommendation");
        assertThat(card.tags()).containsExactly("movies", "two-tower");
        assertThat(card.metrics()).containsEntry("ndcg@10", 0.41).containsEntry("rmse", 0.87);
        assertThat(card.derivedFrom()).isEqualTo(ModelRef.of("movie-ranker-base", 3));
        assertThat(card.createdAt()).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
        assertThat(card.visibility()).isEqualTo(Visibility.PUBLIC);
        assertThat(card.license()).isNull();
        assertThat(card.datasets()).isEmpty();
        assertThat(card.intendedUse()).isNull();
        assertThat(card.limitations()).isNull();
        assertThat(card.inputExample()).isNull();
        assertThat(card.engineVersion()).isNull();
        // Written again, it gains the new fields and reads back the same.
        assertThat(CardCodec.fromJson(CardCodec.toJson(card))).isEqualTo(card);
    }

    @Test
    void fromJson_nullVisibility_readsAsPublic() {
        ModelCard card =
                CardCodec.fromJson("{\"name\": \"m\", \"version\": 1, \"visibility\": null}");
        assertThat(card.visibility()).isEqualTo(Visibility.PUBLIC);
    }

    @Test
    void fromJson_visibilityIgnoresCase() {
        ModelCard card =
                CardCodec.fromJson(
                        "{\"name\": \"m\", \"version\": 1, \"visibility\": \"PRIVATE\"}");
        assertThat(card.visibility()).isEqualTo(Visibility.PRIVATE);
    }

    @Test
    void fromJson_unknownVisibility_isMalformedRatherThanPublic() {
        assertThatThrownBy(
                        () ->
                                CardCodec.fromJson(
                                        "{\"name\": \"m\", \"version\": 1,"
                                                + " \"visibility\": \"internal\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model card")
                .hasMessageContaining("visibility 'internal'")
                .hasMessageContaining("public, restricted or private");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "{",
                "{'user': 1}",
                "{user: 1}",
                "[1, 2,]",
                "NaN",
                "{\"a\": 1} {\"b\": 2}",
                "{\"a\": 1} x",
                "// comment\n{}"
            })
    void inputExample_notJson_isRefusedNamingTheField(String text) {
        assertThatThrownBy(() -> ModelCard.builder("m").inputExample(text).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputExample")
                .hasMessageContaining("JSON");
    }

    @Test
    void inputExample_notJson_saysWhere() {
        assertThatThrownBy(() -> ModelCard.builder("m").inputExample("{\"a\": [1, }").build())
                .hasMessageContaining("inputExample must be well-formed JSON text")
                .hasMessageContaining("line 1 column")
                .hasMessageNotContaining("LENIENT");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"{}", "[]", "[1, 2.5, -3e2]", "\"text\"", "42", "null", " {\"a\": {}} "})
    void inputExample_anyJsonValue_isAccepted(String text) {
        assertThat(ModelCard.builder("m").inputExample(text).build().inputExample())
                .isEqualTo(text);
    }

    @Test
    void datasets_areCopiedAndKeepTheirOrder() {
        List<String> given = new java.util.ArrayList<>(List.of("zeta", "alpha"));
        ModelCard card = ModelCard.builder("m").datasets(given).build();
        given.add("late");
        assertThat(card.datasets()).containsExactly("zeta", "alpha");
        assertThatThrownBy(() -> card.datasets().add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void visibility_defaultsToPublic() {
        assertThat(ModelCard.builder("m").build().visibility()).isEqualTo(Visibility.PUBLIC);
        assertThatThrownBy(() -> ModelCard.builder("m").visibility(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("visibility");
    }

    @Test
    void roundTrip_keepsEveryField() {
        ModelCard card = fullCard();
        String json = CardCodec.toJson(card);
        ModelCard back = CardCodec.fromJson(json);

        assertThat(back).isEqualTo(card);
        // Field by field too, so that a broken equals could not hide a loss.
        assertThat(back.inputs()).containsExactlyElementsOf(card.inputs());
        assertThat(back.inputs().get(1).shape().getShape()).containsExactly(-1, 20, 64);
        assertThat(back.outputs().get(0).dataType()).isEqualTo(DataType.FLOAT16);
        assertThat(back.derivedFrom()).isEqualTo(ModelRef.alias("movie-ranker-base", "champion"));
        assertThat(back.createdAt()).isEqualTo(card.createdAt());
        assertThat(back.metrics()).containsEntry("recall@10", 0.4125);
        assertThat(back.tags()).containsExactlyInAnyOrder("movies", "two-tower", "ünïcode");
        assertThat(back.description()).isEqualTo("Ranks \"movies\"\nfor a user; line two");
    }

    @Test
    void roundTrip_minimalCard_keepsNulls() {
        ModelCard card = ModelCard.builder("m").version(1).build();
        ModelCard back = CardCodec.fromJson(CardCodec.toJson(card));
        assertThat(back).isEqualTo(card);
        assertThat(back.derivedFrom()).isNull();
        assertThat(back.engine()).isNull();
        assertThat(back.createdAt()).isNull();
    }

    @Test
    void roundTrip_derivedFromFixedVersion() {
        ModelCard card =
                ModelCard.builder("m").version(2).derivedFrom(ModelRef.of("base", 3)).build();
        assertThat(CardCodec.fromJson(CardCodec.toJson(card)).derivedFrom())
                .isEqualTo(ModelRef.of("base", 3));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "[]",
                "{",
                "{\"version\": 1}",
                "{\"name\": \"m\", \"version\": \"one\"}",
                "{\"name\": \"../m\", \"version\": 1}",
                "{\"name\": \"m\", \"version\": 1, \"inputs\": [{\"name\": \"x\","
                        + " \"dataType\": \"complex99\", \"shape\": [1]}]}",
                "{\"name\": \"m\", \"version\": 1, \"createdAt\": \"yesterday\"}",
                "{\"name\": \"m\", \"version\": 1, \"derivedFrom\": \"a:b:c\"}",
                "{\"name\": \"m\", \"version\": 1, \"tags\": 5}",
                "{\"name\": \"m\", \"version\": 1, \"datasets\": [null]}",
                "{\"name\": \"m\", \"version\": 1, \"datasets\": \"movielens\"}",
                "{\"name\": \"m\", \"version\": 1, \"inputExample\": \"{oops\"}"
            })
    void fromJson_malformed_throwsIllegalArgumentSayingSo(String json) {
        assertThatThrownBy(() -> CardCodec.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model card");
    }

    @Test
    void metrics_mustBeFinite_becauseJsonCannotHoldNaN() {
        assertThatThrownBy(() -> ModelCard.builder("m").metric("auc", Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auc")
                .hasMessageContaining("finite");
    }
}
