package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InteractionsTest {

    private static Interactions small() {
        return Interactions.builder()
                .catalogue(
                        List.of(
                                new ItemInfo("m1", "One", List.of("Drama")),
                                new ItemInfo("m2", "Two", List.of()),
                                new ItemInfo("m3", "Three", List.of("Comedy", "Drama"))),
                        List.of("Comedy", "Drama"))
                .add("u7", "m3", 4f, 30)
                .add("u5", "m1", 2f, 10)
                .add("u7", "m1", 5f, 20)
                .add("u7", "m3", 3f, 40)
                .build();
    }

    @Test
    void builder_indexesUsersByFirstAppearanceAndItemsByCatalogue() {
        Interactions data = small();

        assertThat(data.size()).isEqualTo(4);
        assertThat(data.users().ids()).containsExactly("u7", "u5");
        assertThat(data.items().ids()).containsExactly("m1", "m2", "m3");
        assertThat(data.user(1)).isEqualTo(1);
        assertThat(data.item(0)).isEqualTo(2);
        assertThat(data.value(2)).isEqualTo(5f);
        assertThat(data.timestamp(3)).isEqualTo(40L);
        assertThat(data.itemInfo(2).genres()).containsExactly("Comedy", "Drama");
        assertThat(data.genres()).containsExactly("Comedy", "Drama");
        assertThat(data.meanValue()).isEqualTo(3.5);
        assertThat(data.minValue()).isEqualTo(2f);
        assertThat(data.maxValue()).isEqualTo(5f);
    }

    @Test
    void itemsOf_isSortedAndDistinct_andContainsAgrees() {
        Interactions data = small();

        assertThat(data.itemsOf(0)).containsExactly(0, 2);
        assertThat(data.itemsOf(1)).containsExactly(0);
        assertThat(data.distinctItemCount(0)).isEqualTo(2);
        assertThat(data.contains(0, 2)).isTrue();
        assertThat(data.contains(0, 1)).isFalse();
        assertThat(data.contains(1, 2)).isFalse();
        assertThat(data.itemCounts()).containsExactly(2, 0, 2);
        assertThat(data.userCounts()).containsExactly(3, 1);
    }

    @Test
    void select_sharesIndexSpace() {
        Interactions data = small();
        Interactions part = data.select(new int[] {3, 1});

        assertThat(part.size()).isEqualTo(2);
        assertThat(part.timestamp(0)).isEqualTo(40L);
        assertThat(part.timestamp(1)).isEqualTo(10L);
        assertThat(part.sharesIndexWith(data)).isTrue();
        assertThat(part.numItems()).isEqualTo(3);
    }

    @Test
    void builder_rejectsItemsOutsideTheCatalogueAndNonFiniteValues() {
        Interactions.Builder b =
                Interactions.builder().catalogue(List.of(ItemInfo.bare("a")), List.of());

        assertThatThrownBy(() -> b.add("u", "zz", 1f, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("item 'zz' is not in the catalogue");
        assertThatThrownBy(() -> b.add("u", "a", Float.NaN, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
    }

    @Test
    void withoutCatalogue_itemInfoFallsBackToId() {
        Interactions data = Interactions.builder().add("u", "song-9", 1f, 0).build();

        assertThat(data.hasItemMetadata()).isFalse();
        assertThat(data.itemInfo(0)).isEqualTo(new ItemInfo("song-9", "song-9", List.of()));
    }
}
