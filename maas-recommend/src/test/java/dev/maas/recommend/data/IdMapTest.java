package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdMapTest {

    @Test
    void sequential_mapsOneBasedIdsWithoutATable() {
        IdMap map = IdMap.sequential(5);

        assertThat(map.size()).isEqualTo(5);
        assertThat(map.id(0)).isEqualTo("1");
        assertThat(map.id(4)).isEqualTo("5");
        assertThat(map.indexOf("3")).isEqualTo(2);
        assertThat(map.indexOf("6")).isEqualTo(-1);
        assertThat(map.indexOf("0")).isEqualTo(-1);
        assertThat(map.indexOf("03")).isEqualTo(-1);
        assertThat(map.indexOf("x")).isEqualTo(-1);
        assertThat(map.isSequential()).isTrue();
        assertThat(map.ids()).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void builder_assignsIndicesInOrderOfFirstAppearance() {
        IdMap.Builder b = IdMap.builder();
        assertThat(b.add("tt9")).isEqualTo(0);
        assertThat(b.add("tt2")).isEqualTo(1);
        assertThat(b.add("tt9")).isEqualTo(0);
        IdMap map = b.build();

        assertThat(map.ids()).containsExactly("tt9", "tt2");
        assertThat(map.indexOf("tt2")).isEqualTo(1);
        assertThat(map.isSequential()).isFalse();
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderOfOneToN_isStoredAsSequentialAndEqualsSequential() {
        IdMap built = IdMap.of(List.of("1", "2", "3"));

        assertThat(built.isSequential()).isTrue();
        assertThat(built).isEqualTo(IdMap.sequential(3));
    }

    @Test
    void of_rejectsDuplicatesAndControlCharacters() {
        assertThatThrownBy(() -> IdMap.of(List.of("a", "b", "a")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate id 'a' at index 2");
        assertThatThrownBy(() -> IdMap.of(List.of("a\tb")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> IdMap.of(List.of("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void id_rejectsOutOfRangeIndex() {
        assertThatThrownBy(() -> IdMap.sequential(2).id(2))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
