package dev.maas.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import dev.maas.catalog.CatalogQuery.Sort;
import dev.maas.catalog.MetricThreshold.Operator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogQueryTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "ndcg@10>=0.3|ndcg@10|AT_LEAST|0.3",
                "auc>0.5|auc|ABOVE|0.5",
                "rmse<=0.9|rmse|AT_MOST|0.9",
                "rmse<0.9|rmse|BELOW|0.9",
                "recall@20=0.25|recall@20|EQUAL|0.25",
                "' rmse < 1e-1 '|rmse|BELOW|0.1",
                "loss>-2.|loss|ABOVE|-2.0",
                "hit-rate_v2.1>=+.5|hit-rate_v2.1|AT_LEAST|0.5"
            })
    void metricThreshold_parses(String text, String metric, Operator op, double value) {
        assertThat(MetricThreshold.parse(text)).isEqualTo(new MetricThreshold(metric, op, value));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "rmse",
                "rmse 0.9",
                "<0.9",
                "rmse<",
                "rmse<<0.9",
                "rmse==0.9",
                "rmse=>0.9",
                "rmse!=0.9",
                "rmse<0.9x",
                "rmse<0.9<1",
                "rmse<NaN",
                "rmse<Infinity",
                "rmse<1e999",
                "rmse<0x1p3",
                "rmse<1d",
                "RMSE<0.9",
                "r m s e<0.9",
                "'; DROP TABLE models; --<1",
                ".*(<1",
                "rmse<.",
                "rmse<1e"
            })
    void metricThreshold_malformed_namesTheTextAndTheForm(String text) {
        assertThatThrownBy(() -> CatalogQuery.builder().metric(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed metric threshold '" + text + "'")
                .hasMessageContaining("expected <metric><operator><number>")
                .hasMessageContaining("ndcg@10>=0.3")
                .hasMessageContaining(">=, >, <=, <, =");
    }

    @Test
    void metricThreshold_missingMetric_doesNotMatch() {
        ModelCard without = ModelCard.builder("m").version(1).metric("auc", 0.9).build();
        assertThat(MetricThreshold.parse("rmse<100").test(without)).isFalse();
        assertThat(MetricThreshold.parse("rmse>-100").test(without)).isFalse();
        assertThat(MetricThreshold.parse("auc>=0.9").test(without)).isTrue();
        assertThat(MetricThreshold.parse("auc=0.9").test(without)).isTrue();
        assertThat(MetricThreshold.parse("auc>0.9").test(without)).isFalse();
    }

    @Test
    void metricThreshold_toString_parsesBack() {
        MetricThreshold t = MetricThreshold.parse("ndcg@10 >= 0.3");
        assertThat(t).hasToString("ndcg@10>=0.3");
        assertThat(MetricThreshold.parse(t.toString())).isEqualTo(t);
    }

    @Test
    void sortBest_needsAWellFormedMetric() {
        assertThatThrownBy(() -> Sort.best("NDCG", true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NDCG");
        assertThatThrownBy(() -> Sort.best(null, true)).isInstanceOf(NullPointerException.class);
        assertThat(Sort.best("rmse", false)).isEqualTo(Sort.best("rmse", false));
        assertThat(Sort.best("rmse", false)).isNotEqualTo(Sort.best("rmse", true));
        assertThat(Sort.best("rmse", false)).hasToString("best(rmse, lower)");
        assertThat(Sort.MOST_USED).hasToString("most-used");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void filters_blank_areRefusedNamingTheFilter(String blank) {
        assertThatThrownBy(() -> CatalogQuery.builder().task(blank))
                .hasMessageContaining("task filter is blank");
        assertThatThrownBy(() -> CatalogQuery.builder().tag(blank))
                .hasMessageContaining("tag filter is blank");
        assertThatThrownBy(() -> CatalogQuery.builder().owner(blank))
                .hasMessageContaining("owner filter is blank");
        assertThatThrownBy(() -> CatalogQuery.builder().engine(blank))
                .hasMessageContaining("engine filter is blank");
        assertThatThrownBy(() -> CatalogQuery.builder().license(blank))
                .hasMessageContaining("license filter is blank");
    }

    @Test
    void filters_null_clearThem() {
        CatalogQuery q =
                CatalogQuery.builder()
                        .task("ranking")
                        .owner("team-a")
                        .engine("PyTorch")
                        .license("MIT")
                        .visibility(Visibility.PRIVATE)
                        .task(null)
                        .owner(null)
                        .engine(null)
                        .license(null)
                        .visibility(null)
                        .build();
        assertThat(q.task()).isNull();
        assertThat(q.owner()).isNull();
        assertThat(q.engine()).isNull();
        assertThat(q.license()).isNull();
        assertThat(q.visibility()).isNull();
    }

    @Test
    void toBuilder_keepsEverything() {
        CatalogQuery q =
                CatalogQuery.builder()
                        .text("movie ranker")
                        .task("ranking")
                        .tag("movies")
                        .tag("kids")
                        .owner("team-a")
                        .engine("PyTorch")
                        .license("MIT")
                        .visibility(Visibility.RESTRICTED)
                        .metric("auc>0.5")
                        .metric("rmse<1")
                        .includeArchived(true)
                        .sort(Sort.MOST_USED)
                        .pageSize(7)
                        .pageToken("t")
                        .build();
        CatalogQuery copy = q.toBuilder().build();
        assertThat(copy.criteria()).isEqualTo(q.criteria());
        assertThat(copy.text()).isEqualTo("movie ranker");
        assertThat(copy.terms()).containsExactly("movie", "ranker");
        assertThat(copy.tags()).containsExactly("kids", "movies");
        assertThat(copy.engine()).isEqualTo("pytorch");
        assertThat(copy.metrics()).hasSize(2);
        assertThat(copy.pageSize()).isEqualTo(7);
        assertThat(copy.pageToken()).isEqualTo("t");
        assertThat(copy.includeArchived()).isTrue();
        assertThat(copy.sort()).isEqualTo(Sort.MOST_USED);
    }

    @Test
    void criteria_ignorePageSizeAndToken_andTextBeyondItsTokens() {
        CatalogQuery a = CatalogQuery.builder().text("Movie, ranker!").pageSize(5).build();
        CatalogQuery b = CatalogQuery.builder().text("movie ranker").pageToken("x").build();
        assertThat(a.criteria()).isEqualTo(b.criteria());
    }

    // CatalogEntry and Page validate and copy what they are given.

    @Test
    void catalogEntry_validatesAndCopies() {
        ModelCard card = ModelCard.builder("m").version(3).build();
        Map<String, Integer> aliases = new HashMap<>(Map.of("production", 3));
        Set<Integer> deprecated = new HashSet<>(Set.of(1));
        CatalogEntry e = new CatalogEntry(card, 3, aliases, 5, deprecated, false);
        aliases.put("staging", 2);
        deprecated.add(2);
        assertThat(e.aliases()).containsOnlyKeys("production");
        assertThat(e.deprecatedVersions()).containsExactly(1);
        assertThat(e.name()).isEqualTo("m");

        ModelCard unpublished = ModelCard.builder("m").build();
        assertThatThrownBy(() -> CatalogEntry.of(unpublished)).hasMessageContaining("no version");
        assertThatThrownBy(() -> new CatalogEntry(card, 0, Map.of(), 0, Set.of(), false))
                .hasMessageContaining("versions");
        assertThatThrownBy(() -> new CatalogEntry(card, 1, Map.of(), -1, Set.of(), false))
                .hasMessageContaining("usage");
        assertThatThrownBy(() -> new CatalogEntry(card, 1, Map.of("../x", 1), 0, Set.of(), false))
                .hasMessageContaining("alias");
        assertThatThrownBy(() -> new CatalogEntry(card, 1, Map.of("prod", 0), 0, Set.of(), false))
                .hasMessageContaining("version");
        assertThatThrownBy(() -> new CatalogEntry(card, 1, Map.of(), 0, Set.of(-2), false))
                .hasMessageContaining("version");
        assertThatThrownBy(() -> new CatalogEntry(null, 1, Map.of(), 0, Set.of(), false))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void search_refusesTwoEntriesForOneModel() {
        CatalogEntry a = CatalogEntry.of(ModelCard.builder("m").version(1).build());
        CatalogEntry b = CatalogEntry.of(ModelCard.builder("m").version(2).build());
        assertThatThrownBy(
                        () ->
                                new Catalog()
                                        .search(
                                                List.of(a, b),
                                                CatalogQuery.builder().build(),
                                                e -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'m' twice");
        assertThatThrownBy(() -> new Lineage(List.of(a, b))).hasMessageContaining("'m' twice");
    }

    @Test
    void catalog_validatesItsSettings() {
        assertThatThrownBy(() -> new Catalog(0, java.time.Duration.ofMinutes(1), System::nanoTime))
                .hasMessageContaining("maxSnapshots");
        assertThatThrownBy(() -> new Catalog(1, java.time.Duration.ZERO, System::nanoTime))
                .hasMessageContaining("snapshotTtl");
    }
}
