package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensTest {
    @TempDir Path dir;

    /** One u.item row: id, title, 19 flags with the given genre positions set. */
    private static String itemLine(int id, String title, int... genres) {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append('|').append(title).append("|01-Jan-1995||http://example.invalid/");
        char[] flags = "0000000000000000000".toCharArray();
        for (int g : genres) {
            flags[g] = '1';
        }
        for (char f : flags) {
            sb.append('|').append(f);
        }
        return sb.append('\n').toString();
    }

    private void write100k(String data) throws IOException {
        StringBuilder genres = new StringBuilder();
        for (int g = 0; g < MovieLens.GENRES_100K.size(); g++) {
            genres.append(MovieLens.GENRES_100K.get(g)).append('|').append(g).append('\n');
        }
        Files.writeString(dir.resolve("u.genre"), genres + "\n", StandardCharsets.ISO_8859_1);
        String items =
                itemLine(1, "Toy Story (1995)", 3, 4, 5)
                        + itemLine(2, "Café au lait (1993)", 5)
                        + itemLine(3, "Señor Noël (1990)", 8);
        Files.writeString(dir.resolve("u.item"), items, StandardCharsets.ISO_8859_1);
        Files.writeString(dir.resolve("u.data"), data, StandardCharsets.ISO_8859_1);
    }

    @Test
    void load100k_readsRatingsTitlesInLatin1AndGenreFlags() throws IOException {
        write100k("196\t2\t3\t881250949\n186\t1\t5\t891717742\n196\t3\t1\t878887116\n");

        LoadResult<Interactions> result = MovieLens.load100k(dir, BadRowPolicy.STRICT);
        Interactions data = result.data();

        assertThat(data.size()).isEqualTo(3);
        assertThat(data.users().ids()).containsExactly("196", "186");
        assertThat(data.items().ids()).containsExactly("1", "2", "3");
        assertThat(data.itemInfo(1).title()).isEqualTo("Café au lait (1993)");
        assertThat(data.itemInfo(2).title()).isEqualTo("Señor Noël (1990)");
        assertThat(data.itemInfo(0).genres()).containsExactly("Animation", "Children's", "Comedy");
        assertThat(data.item(1)).isEqualTo(0);
        assertThat(data.value(1)).isEqualTo(5f);
        assertThat(data.timestamp(2)).isEqualTo(878887116L);
        assertThat(result.report().clean()).isTrue();
        assertThat(result.report().rowsRead()).isEqualTo(3 + 3); // catalogue rows and ratings
    }

    @Test
    void load100k_strictNamesFileLineAndReason() throws IOException {
        write100k("196\t2\t3\t881250949\n186\t1\t5\t891717742\n196\t3\n");

        assertThatThrownBy(() -> MovieLens.load100k(dir, BadRowPolicy.STRICT))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("u.data line 3")
                .hasMessageContaining("expected 4 tab-separated fields")
                .hasMessageContaining("found 2")
                .satisfies(
                        e -> {
                            MalformedDataException m = (MalformedDataException) e;
                            assertThat(m.line()).isEqualTo(3);
                            assertThat(m.file().getFileName().toString()).isEqualTo("u.data");
                        });
    }

    @Test
    void load100k_skipCountsAndReportsBadRows() throws IOException {
        write100k(
                "196\t2\t3\t881250949\n"
                        + "186\t1\tfive\t891717742\n"
                        + "186\t1\t7\t891717742\n"
                        + "186\t9\t4\t891717742\n"
                        + "\n"
                        + "22\t3\t4\tyesterday\n"
                        + "22\t3\t4\t878887116\n");

        LoadResult<Interactions> result = MovieLens.load100k(dir, BadRowPolicy.SKIP);
        LoadReport report = result.report();

        assertThat(result.data().size()).isEqualTo(2);
        assertThat(report.rowsSkipped()).isEqualTo(4);
        assertThat(report.firstProblems())
                .extracting(LoadReport.Problem::line)
                .containsExactly(2L, 3L, 4L, 6L);
        assertThat(report.firstProblems().get(0).reason())
                .contains("rating 'five' is not a number");
        assertThat(report.firstProblems().get(1).reason()).contains("outside 1.0..5.0");
        assertThat(report.firstProblems().get(2).reason()).contains("item 9 is not in u.item");
        assertThat(report.firstProblems().get(3).reason()).contains("timestamp 'yesterday'");
        assertThat(report.toString()).contains("skipped 4");
    }

    @Test
    void load100k_repeatedRatingsOfAPairKeepTheLatest_andAreReported() throws IOException {
        write100k(
                "196\t2\t3\t100\n" // replaced by the rating at time 300
                        + "186\t1\t5\t200\n" // same time as a later row: the later row wins
                        + "196\t2\t5\t300\n"
                        + "196\t2\t1\t50\n" // older than the kept one
                        + "186\t1\t4\t200\n"
                        + "186\t3\t2\t10\n");

        LoadResult<Interactions> result = MovieLens.load100k(dir, BadRowPolicy.STRICT);
        Interactions data = result.data();
        LoadReport report = result.report();

        assertThat(data.size()).isEqualTo(3);
        assertThat(data.users().id(data.user(0))).isEqualTo("196");
        assertThat(data.items().id(data.item(0))).isEqualTo("2");
        assertThat(data.value(0)).isEqualTo(5f);
        assertThat(data.timestamp(0)).isEqualTo(300);
        assertThat(data.items().id(data.item(1))).isEqualTo("1");
        assertThat(data.value(1)).isEqualTo(4f);
        assertThat(data.items().id(data.item(2))).isEqualTo("3");
        assertThat(report.duplicatesDropped()).isEqualTo(3);
        assertThat(report.rowsRead()).isEqualTo(3 + 6);
        assertThat(report.rowsLoaded()).isEqualTo(3 + 3);
        assertThat(report.rowsSkipped()).isZero();
        assertThat(report.clean()).isFalse();
        assertThat(report.duplicatesDescription())
                .isEqualTo(
                        "dropped 3 duplicate ratings (a user rating an item again): kept the"
                                + " latest of each");
        assertThat(report.toString()).contains("dropped 3 duplicate ratings");
    }

    @Test
    void load100k_withoutItemFile_notesThatItemsHaveNoTitles() throws IOException {
        write100k("196\t2\t3\t881250949\n");
        Files.delete(dir.resolve("u.item"));

        LoadResult<Interactions> result = MovieLens.load100k(dir, BadRowPolicy.STRICT);

        assertThat(result.data().hasItemMetadata()).isFalse();
        assertThat(result.report().notes())
                .containsExactly(
                        "no u.item in "
                                + dir
                                + ": items have no titles or genres (their ids are shown"
                                + " instead)");
        assertThat(result.report().clean()).isFalse();
        assertThat(result.report().toString()).contains("no u.item in");
    }

    @Test
    void load100k_badGenreFlagIsABadCatalogueRow() throws IOException {
        write100k("1\t1\t3\t1\n");
        Files.writeString(
                dir.resolve("u.item"),
                itemLine(1, "Fine (1990)", 1) + itemLine(2, "Odd (1991)", 1).replace("|1|", "|x|"),
                StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> MovieLens.load100k(dir, BadRowPolicy.STRICT))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("u.item line 2")
                .hasMessageContaining("genre flag 2 (Action) is 'x', expected 0 or 1");
    }

    @Test
    void load100k_withoutGenreFileAssumesTheStandardNineteen() throws IOException {
        write100k("1\t3\t4\t5\n");
        Files.delete(dir.resolve("u.genre"));

        Interactions data = MovieLens.load100k(dir, BadRowPolicy.STRICT).data();

        assertThat(data.genres()).isEqualTo(MovieLens.GENRES_100K);
        assertThat(data.itemInfo(2).genres()).containsExactly("Drama");
    }

    @Test
    void load100k_missingRatingsFileIsAClearError() {
        assertThatThrownBy(() -> MovieLens.load100k(dir, BadRowPolicy.SKIP))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("u.data")
                .hasMessageContaining("does not exist");
    }

    @Test
    void load100kSplit_sharesOneIndexSpace() throws IOException {
        write100k("");
        Files.writeString(dir.resolve("u1.base"), "5\t1\t4\t10\n6\t2\t3\t11\n");
        Files.writeString(dir.resolve("u1.test"), "7\t3\t5\t12\n5\t3\t2\t13\n");

        Split split = MovieLens.load100kSplit(dir, "u1", BadRowPolicy.STRICT).data();

        assertThat(split.train().size()).isEqualTo(2);
        assertThat(split.test().size()).isEqualTo(2);
        assertThat(split.train().users().ids()).containsExactly("5", "6", "7");
        assertThat(split.test().user(1)).isEqualTo(0);
        assertThat(split.test().item(0)).isEqualTo(2);
        assertThatThrownBy(() -> MovieLens.load100kSplit(dir, "../u1", BadRowPolicy.STRICT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain file name");
    }

    private void writeLatest(String movies, String ratings) throws IOException {
        Files.writeString(dir.resolve("movies.csv"), movies, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("ratings.csv"), ratings, StandardCharsets.UTF_8);
    }

    @Test
    void loadLatest_readsQuotedTitlesWithCommasAndQuotes() throws IOException {
        writeLatest(
                "movieId,title,genres\n"
                        + "11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
                        + "12,\"Dracula: Dead and Loving It (1995)\",Comedy|Horror\n"
                        + "13,\"The \"\"Great\"\" Escape, Again (2001)\",(no genres listed)\n"
                        + "14,Amélie (2001),Comedy|Romance\n",
                "userId,movieId,rating,timestamp\n"
                        + "1,11,4.0,964982703\n"
                        + "1,13,0.5,964981247\n"
                        + "2,14,3.5,964982224\n");

        Interactions data = MovieLens.loadLatest(dir, BadRowPolicy.STRICT).data();

        assertThat(data.numItems()).isEqualTo(4);
        assertThat(data.itemInfo(0).title()).isEqualTo("American President, The (1995)");
        assertThat(data.itemInfo(0).genres()).containsExactly("Comedy", "Drama", "Romance");
        assertThat(data.itemInfo(2).title()).isEqualTo("The \"Great\" Escape, Again (2001)");
        assertThat(data.itemInfo(2).genres()).isEmpty();
        assertThat(data.itemInfo(3).title()).isEqualTo("Amélie (2001)");
        assertThat(data.genres()).containsExactly("Comedy", "Drama", "Romance", "Horror");
        assertThat(data.value(1)).isEqualTo(0.5f);
        assertThat(data.size()).isEqualTo(3);
        assertThat(MovieLens.detect(dir)).isEqualTo(MovieLens.Layout.ML_LATEST);
    }

    @Test
    void loadLatest_readsMultiLineTitlesDoubledQuotesAndCrlfExactly() throws IOException {
        String title1 = "Line one\nline two, with comma (1999)";
        String title2 = "The \"Quoted\"\r\nand CRLF inside (2001)";
        String title3 = "Plain (2002)";
        writeLatest(
                "movieId,title,genres\r\n"
                        + "1,\"Line one\nline two, with comma (1999)\",Drama\r\n"
                        + "2,\"The \"\"Quoted\"\"\r\nand CRLF inside (2001)\",Comedy|Drama\r\n"
                        + "\r\n"
                        + "3,Plain (2002),(no genres listed)\r\n"
                        + "4,\"Bad\nrating line (2003)\",Drama\r\n",
                "userId,movieId,rating,timestamp\r\n"
                        + "1,1,4.0,964982703\r\n"
                        + "1,2,3.5,964982704\r\n"
                        + "2,3,5.0,964982705\r\n");

        LoadResult<Interactions> result = MovieLens.loadLatest(dir, BadRowPolicy.STRICT);
        Interactions data = result.data();

        assertThat(data.numItems()).isEqualTo(4);
        assertSameChars(data.itemInfo(0).title(), title1);
        assertSameChars(data.itemInfo(1).title(), title2);
        assertSameChars(data.itemInfo(2).title(), title3);
        assertThat(data.itemInfo(1).genres()).containsExactly("Comedy", "Drama");
        assertThat(data.itemInfo(2).genres()).isEmpty();
        assertThat(data.items().ids()).containsExactly("1", "2", "3", "4");
        assertThat(data.size()).isEqualTo(3);
        assertThat(data.value(1)).isEqualTo(3.5f);
        assertThat(result.report().rowsRead()).isEqualTo(4 + 3);
    }

    private static void assertSameChars(String actual, String expected) {
        assertThat(actual.length()).isEqualTo(expected.length());
        for (int i = 0; i < expected.length(); i++) {
            assertThat((int) actual.charAt(i)).as("char %d", i).isEqualTo((int) expected.charAt(i));
        }
    }

    @Test
    void loadLatest_badRowAfterAMultiLineTitleNamesItsStartingLine() throws IOException {
        writeLatest(
                "movieId,title,genres\n"
                        + "1,\"Three\nline\ntitle\",Drama\n"
                        + "2,Fine (1999),Drama\n"
                        + "3,\"Two\nlines\",Drama,extra\n",
                "userId,movieId,rating,timestamp\n");

        assertThatThrownBy(() -> MovieLens.loadLatest(dir, BadRowPolicy.STRICT))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("movies.csv line 6")
                .hasMessageContaining("expected 3 fields");

        LoadResult<Interactions> skipped = MovieLens.loadLatest(dir, BadRowPolicy.SKIP);
        assertThat(skipped.data().numItems()).isEqualTo(2);
        assertThat(skipped.report().firstProblems().get(0).line()).isEqualTo(6);
    }

    @Test
    void loadLatest_textAfterAClosingQuoteNamesTheLine() throws IOException {
        writeLatest(
                "movieId,title,genres\n1,\"Multi\nline\",Drama\n2,\"Odd\" title,Drama\n",
                "userId,movieId,rating,timestamp\n");

        assertThatThrownBy(() -> MovieLens.loadLatest(dir, BadRowPolicy.SKIP))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("movies.csv line 4")
                .hasMessageContaining("after closing quote");
    }

    @Test
    void loadLatest_duplicatedLinesAndMissingMoviesFile_areReported() throws IOException {
        Files.writeString(
                dir.resolve("ratings.csv"),
                "userId,movieId,rating,timestamp\n"
                        + "1,11,4.0,964982703\n"
                        + "2,11,3.0,964982704\n"
                        + "1,11,4.0,964982703\n",
                StandardCharsets.UTF_8);

        LoadResult<Interactions> result = MovieLens.loadLatest(dir, BadRowPolicy.STRICT);

        assertThat(result.data().size()).isEqualTo(2);
        assertThat(result.report().duplicatesDropped()).isEqualTo(1);
        assertThat(result.report().notes()).hasSize(1);
        assertThat(result.report().notes().get(0)).startsWith("no movies.csv in " + dir);
    }

    @Test
    void loadLatest_unterminatedQuoteNamesTheLine() throws IOException {
        writeLatest(
                "movieId,title,genres\n1,Fine (1999),Drama\n2,\"Broken, title (2000),Drama\n",
                "userId,movieId,rating,timestamp\n");

        assertThatThrownBy(() -> MovieLens.loadLatest(dir, BadRowPolicy.STRICT))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("movies.csv line 3")
                .hasMessageContaining("has no closing quote");
    }

    @Test
    void loadLatest_wrongHeaderFailsEvenWhenSkipping() throws IOException {
        writeLatest("movieId,title,genres\n", "user,movie,rating,time\n1,2,3,4\n");

        assertThatThrownBy(() -> MovieLens.loadLatest(dir, BadRowPolicy.SKIP))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("ratings.csv line 1")
                .hasMessageContaining("expected header 'userId,movieId,rating,timestamp'")
                .hasMessageContaining("'user,movie,rating,time'");
    }

    @Test
    void loadLatest_invalidUtf8IsABadRow() throws IOException {
        writeLatest("movieId,title,genres\n", "userId,movieId,rating,timestamp\n");
        byte[] bad = {
            '5', ',', 'T', 'i', 't', (byte) 0xC3, (byte) 0x28, ',', 'D', 'r', 'a', 'm', 'a', '\n'
        };
        byte[] head =
                "movieId,title,genres\n1,Good (1990),Drama\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bad.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        Files.write(dir.resolve("movies.csv"), all);

        LoadResult<Interactions> skipped = MovieLens.loadLatest(dir, BadRowPolicy.SKIP);
        assertThat(skipped.data().numItems()).isEqualTo(1);
        assertThat(skipped.report().rowsSkipped()).isEqualTo(1);
        assertThatThrownBy(() -> MovieLens.loadLatest(dir, BadRowPolicy.STRICT))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("movies.csv line 3")
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void detect_rejectsAFolderWithoutRatings() {
        assertThatThrownBy(() -> MovieLens.detect(dir))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("u.data")
                .hasMessageContaining("ratings.csv");
    }

    @Test
    void write100k_roundTripsThroughTheLoader() {
        Interactions original =
                SampleCatalog.builder()
                        .users(40)
                        .items(90)
                        .ratings(1500)
                        .seed(3)
                        .build()
                        .generate();
        MovieLens.write100k(original, dir);

        Interactions loaded = MovieLens.load100k(dir, BadRowPolicy.STRICT).data();

        assertThat(loaded.size()).isEqualTo(original.size());
        assertThat(loaded.numItems()).isEqualTo(original.numItems());
        assertThat(loaded.genres()).isEqualTo(original.genres());
        for (int i = 0; i < original.numItems(); i++) {
            assertThat(loaded.itemInfo(i)).isEqualTo(original.itemInfo(i));
        }
        for (int r = 0; r < original.size(); r++) {
            assertThat(loaded.users().id(loaded.user(r)))
                    .isEqualTo(original.users().id(original.user(r)));
            assertThat(loaded.items().id(loaded.item(r)))
                    .isEqualTo(original.items().id(original.item(r)));
            assertThat(loaded.value(r)).isEqualTo(original.value(r));
            assertThat(loaded.timestamp(r)).isEqualTo(original.timestamp(r));
        }
    }

    @Test
    void write100k_rejectsRatingsMovieLens100kCannotHold() {
        Interactions halves = Interactions.builder().add("1", "1", 3.5f, 0).build();

        assertThatThrownBy(() -> MovieLens.write100k(halves, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rating 3.5")
                .hasMessageContaining("whole ratings from 1 to 5");
    }

    @Test
    void write100k_rejectsTitlesOutsideLatin1() {
        Interactions data =
                Interactions.builder()
                        .catalogue(List.of(new ItemInfo("1", "東京物語 (1953)", List.of())), List.of())
                        .add("1", "1", 4f, 0)
                        .build();

        assertThatThrownBy(() -> MovieLens.write100k(data, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ISO-8859-1");
    }
}
