package dev.maas.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.TensorSpec;
import java.time.Instant;
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
                .build();
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
                "{\"name\": \"m\", \"version\": 1, \"tags\": 5}"
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
