package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRefTest {

    @Test
    void parse_name_isLatest() {
        ModelRef ref = ModelRef.parse("ranker");
        assertThat(ref.isLatest()).isTrue();
        assertThat(ref.isAlias()).isFalse();
        assertThat(ref.fixedVersion()).isEmpty();
        assertThat(ref).isEqualTo(ModelRef.latest("ranker"));
        assertThat(ref.toString()).isEqualTo("ranker");
    }

    @Test
    void parse_nameColonVersion_isFixed() {
        ModelRef ref = ModelRef.parse("ranker.v2_x-y:42");
        assertThat(ref.name()).isEqualTo("ranker.v2_x-y");
        assertThat(ref.fixedVersion()).hasValue(42);
        assertThat(ref.isLatest()).isFalse();
        assertThat(ref).isEqualTo(ModelRef.of("ranker.v2_x-y", 42));
        assertThat(ref.toString()).isEqualTo("ranker.v2_x-y:42");
    }

    @Test
    void parse_nameAtAlias_isAlias() {
        ModelRef ref = ModelRef.parse("ranker@production");
        assertThat(ref.isAlias()).isTrue();
        assertThat(ref.alias()).isEqualTo("production");
        assertThat(ref.fixedVersion()).isEmpty();
        assertThat(ref).isEqualTo(ModelRef.alias("ranker", "production"));
        assertThat(ModelRef.parse(ref.toString())).isEqualTo(ref);
    }

    @ParameterizedTest
    @ValueSource(strings = {"m:", "m:x", "m:-1", "m:1.5", "m:1234567890", "m: 1"})
    void parse_badVersion_namesTheTextAndTheAcceptedForms(String text) {
        assertThatThrownBy(() -> ModelRef.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("name:<version>");
    }

    @Test
    void parse_versionZero_rejected() {
        assertThatThrownBy(() -> ModelRef.parse("m:0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 999999999")
                .hasMessageContaining("was 0");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "M", "../m", "m/x", "@prod", ":3", "m@", "m@a@b", "m@Prod", "m:3@x"})
    void parse_badNameOrAlias_rejectedWithThePattern(String text) {
        assertThatThrownBy(() -> ModelRef.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid")
                .hasMessageContaining(ModelRef.NAME_PATTERN);
    }

    @Test
    void parse_null_throwsNpe() {
        assertThatThrownBy(() -> ModelRef.parse(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void constructor_versionAndAliasTogether_rejected() {
        assertThatThrownBy(() -> new ModelRef("m", 2, "production"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not both");
    }
}
