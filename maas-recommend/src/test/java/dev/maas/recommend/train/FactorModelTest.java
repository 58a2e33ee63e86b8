package dev.maas.recommend.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.maas.MalformedModelException;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.ItemInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactorModelTest {
    @TempDir Path dir;

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** 3 users with string ids, 4 items with titles (one with a tab and accents), dim 5. */
    private static FactorModel model() {
        SplittableRandom r = new SplittableRandom(1);
        List<ItemInfo> items =
                List.of(
                        new ItemInfo("m1", "Amélie (2001)", List.of("Comedy", "Romance")),
                        new ItemInfo("m2", "Tab\there \\ back", List.of()),
                        new ItemInfo("m3", "東京物語 (1953)", List.of("Drama")),
                        new ItemInfo("m4", "Plain", List.of("Drama", "Comedy")));
        return new FactorModel(
                ModelType.BIASED_MF,
                5,
                IdMap.of(List.of("alice", "bob", "carol")),
                IdMap.of(List.of("m1", "m2", "m3", "m4")),
                items,
                List.of("Comedy", "Drama", "Romance"),
                random(r, 15),
                random(r, 20),
                random(r, 3),
                random(r, 4),
                3.5f,
                1f,
                5f,
                Map.of("factors", "5", "note", "a \"quoted\" value"));
    }

    @Test
    void score_isGlobalPlusBiasesPlusDot() {
        FactorModel m = model();
        float[] p = m.userVector(1);
        float[] q = m.itemVector(2);
        double dot = 0;
        for (int f = 0; f < 5; f++) {
            dot += (double) p[f] * q[f];
        }
        double expected = 3.5 + m.userBias(1) + m.itemBias(2) + dot;

        assertThat((double) m.score(1, 2)).isCloseTo(expected, within(1e-5));
        float[] all = new float[4];
        m.scoreAll(1, all);
        assertThat((double) all[2]).isCloseTo(expected, within(1e-5));
        assertThat(m.predictRating(1, 2)).isBetween(1f, 5f);
        assertThat(m.userFactors().remaining()).isEqualTo(15);
        assertThat(m.userFactors().isReadOnly()).isTrue();
    }

    @Test
    void saveAndLoad_roundTripsEverything() {
        FactorModel original = model();
        original.save(dir);
        FactorModel loaded = FactorModel.load(dir);

        assertThat(loaded.type()).isEqualTo(ModelType.BIASED_MF);
        assertThat(loaded.dim()).isEqualTo(5);
        assertThat(loaded.users().ids()).containsExactly("alice", "bob", "carol");
        assertThat(loaded.items()).isEqualTo(original.items());
        assertThat(loaded.catalogue()).isEqualTo(original.catalogue());
        assertThat(loaded.genres()).isEqualTo(original.genres());
        assertThat(loaded.properties()).isEqualTo(original.properties());
        assertThat(loaded.globalBias()).isEqualTo(3.5f);
        for (int u = 0; u < 3; u++) {
            assertThat(loaded.userVector(u)).containsExactly(original.userVector(u));
            for (int i = 0; i < 4; i++) {
                assertThat(loaded.score(u, i)).isEqualTo(original.score(u, i));
                assertThat(loaded.predictRating(u, i)).isEqualTo(original.predictRating(u, i));
            }
        }
    }

    @Test
    void save_writesLittleEndianFloatsInSafetensors() throws IOException {
        FactorModel m = model();
        m.save(dir);
        byte[] bytes = Files.readAllBytes(dir.resolve("factors.safetensors"));

        // item_bias is the last tensor: the file's last 16 bytes.
        assertThat(bytes.length).isGreaterThan(16);
        ByteBuffer b = ByteBuffer.wrap(bytes, bytes.length - 16, 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            assertThat(b.getFloat()).isEqualTo(m.itemBias(i));
        }
    }

    @Test
    void sequentialIdsWithoutCatalogue_needNoIdFiles() {
        FactorModel m =
                new FactorModel(
                        ModelType.TWO_TOWER,
                        2,
                        IdMap.sequential(2),
                        IdMap.sequential(3),
                        null,
                        List.of(),
                        new float[] {1, 2, 3, 4},
                        new float[] {1, 0, 0, 1, 1, 1},
                        new float[2],
                        new float[3],
                        0f,
                        Float.NaN,
                        Float.NaN,
                        Map.of());
        m.save(dir);

        assertThat(dir.resolve("users.txt")).doesNotExist();
        assertThat(dir.resolve("items.tsv")).doesNotExist();
        FactorModel loaded = FactorModel.load(dir);
        assertThat(loaded.items().isSequential()).isTrue();
        assertThat(loaded.hasItemMetadata()).isFalse();
        assertThat(loaded.score(1, 2)).isEqualTo(7f);
        assertThat(loaded.predictRating(1, 2)).isEqualTo(7f); // ranking model: not clipped
    }

    @Test
    void load_rejectsHeadersThatAreNotJsonOrFromTheFuture() throws IOException {
        model().save(dir);
        Path header = dir.resolve("factor-model.json");
        String json = Files.readString(header);

        Files.writeString(header, "{ not json");
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("factor-model.json")
                .hasMessageContaining("not valid JSON");

        Files.writeString(header, json.replace("\"formatVersion\": 2", "\"formatVersion\": 9"));
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("formatVersion 9")
                .hasMessageContaining("reads versions 1 to 2");

        Files.writeString(header, json.replace("\"dim\": 5", "\"dim\": 6"));
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("factors.safetensors tensor 'user_factors' has shape [3, 5]")
                .hasMessageContaining("expected [3, 6]");
    }

    @Test
    void load_itemFileWithWrongLineCountIsRejected() throws IOException {
        model().save(dir);
        Path items = dir.resolve("items.tsv");
        List<String> lines = Files.readAllLines(items);
        Files.write(items, lines.subList(0, 3));
        // Keep the checksum consistent so that the line count check is what fails.
        Path header = dir.resolve("factor-model.json");
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(Files.readAllBytes(items));
        String json = Files.readString(header);
        String recorded =
                json.replaceAll("(?s).*\"items.tsv\": \\{\\s*\"crc32\": \"([0-9a-f]+)\".*", "$1");
        Files.writeString(header, json.replace(recorded, String.format("%08x", crc.getValue())));

        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("items.tsv has 3 lines, expected 4");
    }

    @Test
    void load_folderWithoutHeaderIsNotAModel() {
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("no factor-model.json")
                .hasMessageContaining("not a saved factor model");
    }

    @Test
    void constructor_rejectsWrongSizesAndNonFiniteValues() {
        assertThatThrownBy(
                        () ->
                                new FactorModel(
                                        ModelType.BPR_MF,
                                        2,
                                        IdMap.sequential(2),
                                        IdMap.sequential(1),
                                        null,
                                        List.of(),
                                        new float[3],
                                        new float[2],
                                        new float[2],
                                        new float[1],
                                        0,
                                        Float.NaN,
                                        Float.NaN,
                                        Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("userFactors has 3 floats, expected 4");
        assertThatThrownBy(
                        () ->
                                new FactorModel(
                                        ModelType.BPR_MF,
                                        1,
                                        IdMap.sequential(1),
                                        IdMap.sequential(1),
                                        null,
                                        List.of(),
                                        new float[] {Float.NaN},
                                        new float[1],
                                        new float[1],
                                        new float[1],
                                        0,
                                        Float.NaN,
                                        Float.NaN,
                                        Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("userFactors[0] is NaN");
    }
}
