package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unpacking model packages: the tar forms real tools write, and the limits. */
class ModelUploadTest {
    static final ModelUpload.Limits LIMITS = new ModelUpload.Limits(1 << 20, 4 << 20, 50);

    private static ModelUpload.Unpacked unpack(byte[] archive) throws Exception {
        return ModelUpload.unpack(new ByteArrayInputStream(archive), LIMITS);
    }

    @Test
    void paxAndGnuLongNames_nameTheFollowingEntry() throws Exception {
        String longDir = "d".repeat(90) + "/" + "e".repeat(90);
        byte[] archive =
                new TestArchives.Tar()
                        .pax(longDir + "/weights.bin")
                        .entry("ignored-short-name", '0', new byte[] {1, 2, 3}, null)
                        .longName(longDir + "/vocab.txt")
                        .entry("also-ignored", '0', "a b".getBytes(StandardCharsets.UTF_8), null)
                        .entry(
                                "model-card.json",
                                '0',
                                "{\"task\": \"ranking\"}".getBytes(StandardCharsets.UTF_8),
                                null)
                        .finish();
        ModelUpload.Unpacked u = unpack(archive);
        try {
            assertThat(Files.readAllBytes(u.folder().resolve(longDir + "/weights.bin")))
                    .containsExactly(1, 2, 3);
            assertThat(Files.readString(u.folder().resolve(longDir + "/vocab.txt")))
                    .isEqualTo("a b");
            assertThat(u.cardJson()).isEqualTo("{\"task\": \"ranking\"}");
            // The card is taken out of the files.
            assertThat(u.folder().resolve("model-card.json")).doesNotExist();
        } finally {
            ModelUpload.delete(u.root());
        }
        assertThat(u.root()).doesNotExist();
    }

    @Test
    void aPaxPathCannotEscapeEither() {
        byte[] archive =
                new TestArchives.Tar()
                        .pax("../../escaped.bin")
                        .entry("innocent.bin", '0', new byte[] {1}, null)
                        .finish();
        assertThatThrownBy(() -> unpack(archive))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "entry '../../escaped.bin' is refused: '..' would leave the model folder");
    }

    @Test
    void aSingleTopFolder_isTheModelFolder() throws Exception {
        ModelUpload.Unpacked u =
                unpack(
                        TestArchives.zip(
                                Map.of(
                                        "model/a.bin",
                                        new byte[] {7},
                                        "model/b/c.bin",
                                        new byte[] {8})));
        try {
            assertThat(u.folder().getFileName().toString()).isEqualTo("model");
            assertThat(Files.readAllBytes(u.folder().resolve("b/c.bin"))).containsExactly(8);
        } finally {
            ModelUpload.delete(u.root());
        }
    }

    @Test
    void limits_onEntriesAndBytes_stopEarly() {
        TestArchives.Tar many = new TestArchives.Tar();
        for (int i = 0; i < 51; i++) {
            many.entry("f" + i, '0', new byte[] {1}, null);
        }
        assertThatThrownBy(() -> unpack(many.finish()))
                .hasMessage("the model package has more than 50 entries (the limit)");
        assertThatThrownBy(() -> unpack(TestArchives.zip(Map.of("big.bin", new byte[5 << 20]))))
                .hasMessageContaining("unpacks to more than 4194304 bytes");
        byte[] tooLarge = TestArchives.tar(Map.of("x.bin", new byte[(1 << 20) + 1]));
        assertThatThrownBy(() -> unpack(tooLarge))
                .hasMessageContaining("larger than 1048576 bytes (the upload limit)");
    }

    @Test
    void aTarWithABadChecksum_isRefused() {
        byte[] second = TestArchives.tar(Map.of("a.bin", new byte[] {1}, "b.bin", new byte[] {2}));
        second[1024 + 10] ^= 1; // the second header's name, its checksum left as it was
        assertThatThrownBy(() -> unpack(second))
                .hasMessage("the tar archive is malformed: a header's checksum does not match");
    }
}
