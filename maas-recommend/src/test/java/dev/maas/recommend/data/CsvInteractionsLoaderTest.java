package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvInteractionsLoaderTest {
    @TempDir Path dir;

    @Test
    void load_mapsColumnsByHeaderName() throws IOException {
        Path file = dir.resolve("plays.csv");
        Files.writeString(
                file,
                "track,when,account,plays\n"
                        + "\"Song, with comma\",100,alice,3\n"
                        + "s2,200,bob,1.5\n"
                        + "s2,300,alice,2\n");

        Interactions data =
                CsvInteractionsLoader.builder(file)
                        .userColumn("account")
                        .itemColumn("track")
                        .valueColumn("plays")
                        .timestampColumn("when")
                        .build()
                        .load()
                        .data();

        assertThat(data.users().ids()).containsExactly("alice", "bob");
        assertThat(data.items().ids()).containsExactly("Song, with comma", "s2");
        assertThat(data.value(1)).isEqualTo(1.5f);
        assertThat(data.timestamp(2)).isEqualTo(300L);
        assertThat(data.itemInfo(0).title()).isEqualTo("Song, with comma");
    }

    @Test
    void load_byPositionWithoutHeader_defaultsValueToOne() throws IOException {
        Path file = dir.resolve("events.tsv");
        Files.writeString(file, "u1\ti9\nu2\ti9\n");

        Interactions data =
                CsvInteractionsLoader.builder(file)
                        .header(false)
                        .delimiter('\t')
                        .userColumn(0)
                        .itemColumn(1)
                        .build()
                        .load()
                        .data();

        assertThat(data.size()).isEqualTo(2);
        assertThat(data.value(0)).isEqualTo(1f);
        assertThat(data.timestamp(1)).isZero();
    }

    @Test
    void load_unknownColumnNameIsAClearError() throws IOException {
        Path file = dir.resolve("x.csv");
        Files.writeString(file, "a,b\n1,2\n");

        assertThatThrownBy(
                        () ->
                                CsvInteractionsLoader.builder(file)
                                        .userColumn("user")
                                        .itemColumn("b")
                                        .build()
                                        .load())
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("x.csv line 1")
                .hasMessageContaining("user column 'user' is not in the header [a, b]");
    }

    @Test
    void load_skipPolicyCountsShortRowsAndBadValues() throws IOException {
        Path file = dir.resolve("r.csv");
        Files.writeString(file, "u,i,v\n1,2,3\n1\n1,3,NaNx\n2,2,4\n");

        LoadResult<Interactions> result =
                CsvInteractionsLoader.builder(file)
                        .userColumn("u")
                        .itemColumn("i")
                        .valueColumn("v")
                        .policy(BadRowPolicy.SKIP)
                        .build()
                        .load();

        assertThat(result.data().size()).isEqualTo(2);
        assertThat(result.report().rowsSkipped()).isEqualTo(2);
        assertThat(result.report().firstProblems().get(0).line()).isEqualTo(3);
        assertThat(result.report().firstProblems().get(0).reason())
                .contains("expected at least 3 ',' -separated fields".replace(" -", "-"));
        assertThat(result.report().firstProblems().get(1).reason())
                .contains("value 'NaNx' is not a number");
    }

    @Test
    void load_quotedFieldsSpanningLinesKeepLineNumbersOfTheirRecord() throws IOException {
        Path file = dir.resolve("multi.csv");
        Files.writeString(
                file,
                "user;item;note;v\r\n"
                        + "alice;\"s;1\";\"a note\r\nacross \"\"lines\"\"\";1\r\n"
                        + "bob;s2;\"two\nlines\";x\r\n"
                        + "carol;s2;;2\r\n");

        LoadResult<Interactions> result =
                CsvInteractionsLoader.builder(file)
                        .delimiter(';')
                        .userColumn("user")
                        .itemColumn("item")
                        .valueColumn("v")
                        .policy(BadRowPolicy.SKIP)
                        .build()
                        .load();

        assertThat(result.data().items().ids()).containsExactly("s;1", "s2");
        assertThat(result.data().size()).isEqualTo(2);
        assertThat(result.report().firstProblems().get(0).line()).isEqualTo(4);
        assertThat(result.report().firstProblems().get(0).reason())
                .contains("value 'x' is not a number");
    }

    @Test
    void builder_failsFastOnMissingOrRepeatedColumns() {
        Path file = dir.resolve("any.csv");
        assertThatThrownBy(() -> CsvInteractionsLoader.builder(file).userColumn("u").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("userColumn and itemColumn must be set");
        assertThatThrownBy(() -> CsvInteractionsLoader.builder(file).userColumn("u").userColumn(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("user column was already set to 'u'");
        assertThatThrownBy(
                        () ->
                                CsvInteractionsLoader.builder(file)
                                        .header(false)
                                        .userColumn("u")
                                        .itemColumn(1)
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("header(false)");
        assertThatThrownBy(() -> CsvInteractionsLoader.builder(file).delimiter('"'))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
