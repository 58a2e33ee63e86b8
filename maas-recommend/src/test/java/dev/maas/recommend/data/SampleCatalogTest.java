package dev.maas.recommend.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCatalogTest {
    private static Interactions sample;

    @BeforeAll
    static void generate() {
        sample = SampleCatalog.defaults().generate();
    }

    @Test
    void defaults_matchMovieLens100kSize() {
        assertThat(sample.numUsers()).isEqualTo(943);
        assertThat(sample.numItems()).isEqualTo(1682);
        assertThat(sample.size()).isBetween(99_000, 101_000);
        assertThat(Arrays.stream(sample.userCounts()).min().getAsInt()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void defaults_matchMovieLens100kRatingHistogram() {
        double[] target = {0.0611, 0.1137, 0.2715, 0.3417, 0.2120};
        int[] counts = new int[6];
        for (int r = 0; r < sample.size(); r++) {
            float v = sample.value(r);
            assertThat(v).isIn(1f, 2f, 3f, 4f, 5f);
            counts[(int) v]++;
        }
        for (int star = 1; star <= 5; star++) {
            assertThat((double) counts[star] / sample.size())
                    .as("share of %d stars", star)
                    .isCloseTo(target[star - 1], within(0.005));
        }
        assertThat(sample.meanValue()).isCloseTo(3.53, within(0.01));
    }

    @Test
    void defaults_haveSkewedActivityAndPopularity() {
        int[] users = sample.userCounts();
        int[] items = sample.itemCounts();
        Arrays.sort(users);
        Arrays.sort(items);
        int userMedian = users[users.length / 2];
        int itemMedian = items[items.length / 2];
        // MovieLens 100K: median user 65 ratings, heaviest 737; median item 27, most popular 583.
        assertThat(userMedian).isBetween(45, 90);
        assertThat(users[users.length - 1]).isGreaterThan(5 * userMedian);
        assertThat(itemMedian).isBetween(15, 45);
        assertThat(items[items.length - 1]).isGreaterThan(8 * itemMedian);
        long rare = Arrays.stream(items).filter(c -> c <= 3).count();
        assertThat(rare).as("items with at most 3 ratings").isGreaterThan(40);
    }

    @Test
    void generate_isDeterministicAndSeedDependent() {
        Interactions again = SampleCatalog.defaults().generate();
        Interactions other = SampleCatalog.builder().seed(43).build().generate();

        assertThat(again.size()).isEqualTo(sample.size());
        for (int r = 0; r < sample.size(); r += 97) {
            assertThat(again.user(r)).isEqualTo(sample.user(r));
            assertThat(again.item(r)).isEqualTo(sample.item(r));
            assertThat(again.value(r)).isEqualTo(sample.value(r));
            assertThat(again.timestamp(r)).isEqualTo(sample.timestamp(r));
        }
        assertThat(again.itemInfo(17)).isEqualTo(sample.itemInfo(17));
        int differences = 0;
        for (int r = 0; r < Math.min(other.size(), sample.size()); r += 97) {
            differences += other.item(r) != sample.item(r) ? 1 : 0;
        }
        assertThat(differences).isGreaterThan(100);
    }

    @Test
    void catalogue_hasTitlesGenresAndLatin1Accents() {
        int accented = 0;
        for (int i = 0; i < sample.numItems(); i++) {
            ItemInfo info = sample.itemInfo(i);
            assertThat(info.title()).matches(".+ \\(\\d{4}\\)");
            assertThat(info.genres()).isNotEmpty().allMatch(MovieLens.GENRES_100K::contains);
            assertThat(StandardCharsets.ISO_8859_1.newEncoder().canEncode(info.title())).isTrue();
            accented += info.title().chars().anyMatch(c -> c > 127) ? 1 : 0;
        }
        assertThat(accented).isGreaterThan(50);
    }

    @Test
    void timestamps_fallInTheMovieLens100kPeriod() {
        for (int r = 0; r < sample.size(); r += 31) {
            assertThat(sample.timestamp(r)).isBetween(874_724_710L, 893_286_638L);
        }
    }

    @Test
    void materialize_writesOnceAndTheLoaderReadsIt(@TempDir Path tmp) throws Exception {
        SampleCatalog small = SampleCatalog.builder().users(50).items(120).ratings(3000).build();
        Path dir = tmp.resolve("sample");

        assertThat(small.materialize(dir)).isEqualTo(dir.toAbsolutePath().normalize());
        long written = Files.getLastModifiedTime(dir.resolve("u.data")).toMillis();
        small.materialize(dir);
        assertThat(Files.getLastModifiedTime(dir.resolve("u.data")).toMillis()).isEqualTo(written);

        Interactions loaded = MovieLens.load100k(dir, BadRowPolicy.STRICT).data();
        Interactions direct = small.generate();
        assertThat(loaded.size()).isEqualTo(direct.size());
        assertThat(loaded.itemInfo(5)).isEqualTo(direct.itemInfo(5));
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("sample");
        }
    }

    @Test
    void materialize_refusesAFolderWithOtherContents(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "mine");

        assertThatThrownBy(() -> SampleCatalog.defaults().materialize(tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not hold this sample catalogue");
        assertThat(Files.readString(tmp.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void generate_scalesToLargeCatalogues() {
        Interactions big =
                SampleCatalog.builder()
                        .users(20_000)
                        .items(200_000)
                        .ratings(1_000_000)
                        .build()
                        .generate();

        assertThat(big.numItems()).isEqualTo(200_000);
        assertThat(big.size()).isBetween(990_000, 1_010_000);
        assertThat(big.items().isSequential()).isTrue();
        assertThat(big.itemInfo(199_999).id()).isEqualTo("200000");
    }

    @Test
    void builder_rejectsImpossibleSettings() {
        assertThatThrownBy(() -> SampleCatalog.builder().items(30).minRatingsPerUser(20).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most half the number of items");
        assertThatThrownBy(() -> SampleCatalog.builder().users(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("users must be >= 1, was 0");
    }
}
