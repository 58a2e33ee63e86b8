package dev.maas.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CardValidatorTest {

    /** A card that passes every rule. */
    static ModelCard.Builder valid() {
        return ModelCard.builder("movie-ranker")
                .version(1)
                .task("recommendation")
                .owner("team-discovery")
                .tags("movies", "two-tower")
                .metric("ndcg@10", 0.4)
                .metric("recall@20", 0.5)
                .license("Apache-2.0")
                .datasets("movielens-25m")
                .intendedUse("Home page rows.")
                .limitations("English titles only.")
                .inputExample("{\"user\": 42}")
                .engineVersion("2.5.1");
    }

    @Test
    void validCard_passes() {
        assertThatCode(() -> CardValidator.validateForPublish(valid().build()))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "recommendation",
                "ranking",
                "retrieval",
                "regression",
                "classification",
                "embedding",
                "next-item",
                "engagement",
                "churn",
                "generation",
                "detection",
                "x-thumbnail-picker",
                "x-a"
            })
    void task_inTheVocabularyOrCustom_passes(String task) {
        assertThatCode(() -> CardValidator.validateForPublish(valid().task(task).build()))
                .doesNotThrowAnyException();
        assertThat(CardValidator.isKnownTask(task)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unspecified", "Ranking", "ranker", "x-", "x-Caps", "x_custom", ""})
    void task_unknown_isRefusedListingTheVocabulary(String task) {
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().task(task).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("card of 'movie-ranker' cannot be published")
                .hasMessageContaining("task '" + task + "' is unknown")
                .hasMessageContaining(
                        "recommendation, ranking, retrieval, regression, classification,"
                                + " embedding, next-item, engagement, churn, generation,"
                                + " detection")
                .hasMessageContaining("x-<name>");
    }

    @Test
    void task_notSet_isRefused() {
        ModelCard card = ModelCard.builder("m").version(1).owner("team-a").build();
        assertThatThrownBy(() -> CardValidator.validateForPublish(card))
                .hasMessageContaining("task 'unspecified' is unknown");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void owner_blank_isRefused(String owner) {
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().owner(owner).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("owner is missing")
                .hasMessageContaining("team");
    }

    @Test
    void owner_missing_isRefused() {
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().owner(null).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("owner is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Team Discovery", "../team", "-team", "team/a"})
    void owner_notATeamName_isRefused(String owner) {
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().owner(owner).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid owner team '" + owner + "'")
                .hasMessageContaining("expected [a-z0-9]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "NDCG@10",
                "ndcg 10",
                "@10",
                "ndcg/10",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            })
    void metricName_malformed_isRefused(String metric) {
        assertThatThrownBy(
                        () -> CardValidator.validateForPublish(valid().metric(metric, 1).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid metric name")
                .hasMessageContaining("[a-z0-9][a-z0-9@._-]{0,63}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Movies", "two tower", "-x", "ünïcode", "kids!"})
    void tag_malformed_isRefused(String tag) {
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().tags(tag).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid tag '" + tag + "'")
                .hasMessageContaining("[a-z0-9][a-z0-9@._-]{0,63}");
    }

    @Test
    void freeText_longerThan4000_isRefusedNamingTheField() {
        String ok = "a".repeat(4_000);
        String tooLong = "a".repeat(4_001);
        assertThatCode(
                        () ->
                                CardValidator.validateForPublish(
                                        valid().license(ok)
                                                .intendedUse(ok)
                                                .limitations(ok)
                                                .description(ok)
                                                .build()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CardValidator.validateForPublish(valid().license(tooLong).build()))
                .hasMessageContaining(
                        "license is too long: expected at most 4000 characters, was 4001");
        assertThatThrownBy(
                        () ->
                                CardValidator.validateForPublish(
                                        valid().intendedUse(tooLong).build()))
                .hasMessageContaining("intendedUse is too long");
        assertThatThrownBy(
                        () ->
                                CardValidator.validateForPublish(
                                        valid().limitations(tooLong).build()))
                .hasMessageContaining("limitations is too long");
        assertThatThrownBy(
                        () ->
                                CardValidator.validateForPublish(
                                        valid().description(tooLong).build()))
                .hasMessageContaining("description is too long");
    }

    @Test
    void inputExample_notJson_isRefusedByTheCardItself() {
        // A card cannot hold malformed JSON, so the validator never sees one.
        assertThatThrownBy(() -> valid().inputExample("{user: 42").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputExample must be well-formed JSON");
    }

    @Test
    void inputExample_tooLong_isRefused() {
        String big = "[" + "0,".repeat(40_000) + "0]";
        assertThatThrownBy(
                        () -> CardValidator.validateForPublish(valid().inputExample(big).build()))
                .hasMessageContaining("inputExample is too long: expected at most 64000");
    }

    @Test
    void datasetsAndEngineVersion_blankOrLong_areRefused() {
        assertThatThrownBy(
                        () -> CardValidator.validateForPublish(valid().datasets("a", " ").build()))
                .hasMessageContaining("datasets[1] is blank");
        assertThatThrownBy(
                        () ->
                                CardValidator.validateForPublish(
                                        valid().datasets("d".repeat(257)).build()))
                .hasMessageContaining("datasets[0] is too long");
        assertThatThrownBy(
                        () -> CardValidator.validateForPublish(valid().engineVersion("").build()))
                .hasMessageContaining("engineVersion is blank");
    }

    @Test
    void everyProblem_isReported() {
        ModelCard card = valid().task("nope").owner(null).tags("Bad Tag").metric("Bad", 1).build();
        assertThatThrownBy(() -> CardValidator.validateForPublish(card))
                .hasMessageContaining("task 'nope'")
                .hasMessageContaining("owner is missing")
                .hasMessageContaining("invalid tag 'Bad Tag'")
                .hasMessageContaining("invalid metric name 'Bad'");
    }

    @Test
    void tasks_vocabularyIsDocumentedOrder() {
        assertThat(CardValidator.TASKS)
                .containsExactly(
                        "recommendation",
                        "ranking",
                        "retrieval",
                        "regression",
                        "classification",
                        "embedding",
                        "next-item",
                        "engagement",
                        "churn",
                        "generation",
                        "detection");
    }
}
