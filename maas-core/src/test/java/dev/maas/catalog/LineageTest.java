package dev.maas.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineageTest {

    private static CatalogEntry model(String name, String derivedFrom) {
        ModelCard.Builder b = ModelCard.builder(name).version(1);
        if (derivedFrom != null) {
            b.derivedFrom(ModelRef.parse(derivedFrom));
        }
        return CatalogEntry.of(b.build());
    }

    @Test
    void chain_ancestorsNearestFirst_descendantsTransitive() {
        Lineage l =
                new Lineage(
                        List.of(
                                model("base", null),
                                model("tuned", "base:3"),
                                model("distilled", "tuned@production"),
                                model("quantized", "distilled")));

        assertThat(l.ancestors("quantized"))
                .containsExactly(
                        ModelRef.latest("distilled"),
                        ModelRef.alias("tuned", "production"),
                        ModelRef.of("base", 3));
        assertThat(l.ancestors("tuned")).containsExactly(ModelRef.of("base", 3));
        assertThat(l.ancestors("base")).isEmpty();
        assertThat(l.descendants("base")).containsExactly("distilled", "quantized", "tuned");
        assertThat(l.descendants("distilled")).containsExactly("quantized");
        assertThat(l.descendants("quantized")).isEmpty();
    }

    @Test
    void diamond_listsEachModelOnce() {
        // base <- left, right <- merged (derived from left); right also derives from base.
        Lineage l =
                new Lineage(
                        List.of(
                                model("base", null),
                                model("left", "base"),
                                model("right", "base"),
                                model("merged", "left"),
                                model("merged-2", "right"),
                                model("top", "merged")));
        assertThat(l.descendants("base"))
                .containsExactly("left", "merged", "merged-2", "right", "top");
        assertThat(l.descendants("left")).containsExactly("merged", "top");
        assertThat(l.ancestors("top"))
                .containsExactly(
                        ModelRef.latest("merged"),
                        ModelRef.latest("left"),
                        ModelRef.latest("base"));
    }

    @Test
    void diamond_twoPathsToOneDescendant_countItOnce() {
        // A card names one parent, so two paths meet only through the descendants' side:
        // a <- b, a <- c, and both b's and c's descendants hold d's children.
        Lineage l =
                new Lineage(
                        List.of(
                                model("a", null),
                                model("b", "a"),
                                model("c", "a"),
                                model("d", "b"),
                                model("e", "c"),
                                model("f", "d"),
                                model("g", "e")));
        assertThat(l.descendants("a")).containsExactly("b", "c", "d", "e", "f", "g");
    }

    @Test
    void cycle_doesNotLoop() {
        Lineage l =
                new Lineage(
                        List.of(
                                model("a", "c"),
                                model("b", "a"),
                                model("c", "b"),
                                model("d", "c")));
        assertThat(l.ancestors("a")).containsExactly(ModelRef.latest("c"), ModelRef.latest("b"));
        assertThat(l.ancestors("d"))
                .containsExactly(ModelRef.latest("c"), ModelRef.latest("b"), ModelRef.latest("a"));
        assertThat(l.descendants("a")).containsExactly("b", "c", "d");
        assertThat(l.descendants("d")).isEmpty();
    }

    @Test
    void selfDerived_doesNotLoop() {
        Lineage l = new Lineage(List.of(model("a", "a:1")));
        assertThat(l.ancestors("a")).isEmpty();
        assertThat(l.descendants("a")).isEmpty();
    }

    @Test
    void longChain_isFollowedWhole() {
        List<CatalogEntry> entries = new ArrayList<>();
        entries.add(model("m0", null));
        for (int i = 1; i < 1_000; i++) {
            entries.add(model("m" + i, "m" + (i - 1)));
        }
        Lineage l = new Lineage(entries);
        assertThat(l.ancestors("m999")).hasSize(999).endsWith(ModelRef.latest("m0"));
        assertThat(l.descendants("m0")).hasSize(999);
    }

    @Test
    void parentNotAmongEntries_isListed_butNotFollowed() {
        // "hidden" is not among the entries (deleted, or not visible to the caller).
        Lineage l = new Lineage(List.of(model("child", "hidden:2"), model("grandchild", "child")));
        assertThat(l.ancestors("grandchild"))
                .containsExactly(ModelRef.latest("child"), ModelRef.of("hidden", 2));
        assertThat(l.ancestors("unknown")).isEmpty();
        assertThat(l.descendants("unknown")).isEmpty();
    }
}
