package dev.maas.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ChecksumMismatchException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifacts in the content-addressed blob store: stored once, verified, collected. */
class BlobsTest {
    @TempDir Path tmp;
    private PostgresCatalog catalog;
    private Path blobs;

    @BeforeEach
    void open() {
        blobs = tmp.resolve("blobs");
        catalog = TestDatabases.catalog(TestDatabases.newDatabase("blobs"), blobs);
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    private Path files(String weights, String vocab) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("weights.bin"), weights);
        Files.writeString(dir.resolve("vocab.txt"), vocab);
        return dir;
    }

    @Test
    void identicalFilesAcrossVersions_areStoredOnce() throws Exception {
        catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("w", "shared")));
        catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("w2", "shared")));
        catalog.publish(ModelPackage.of(ModelCard.builder("k").build(), files("w", "shared")));
        assertThat(catalog.blobStore().list()).hasSize(3); // w, w2, shared
    }

    @Test
    void collectGarbage_removesOnlyUnreferencedBlobsOlderThanTheGrace() throws Exception {
        ModelCard v1 =
                catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("a", "b")));
        ModelCard v2 =
                catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("c", "b")));
        String orphan = catalog.blobStore().put(files("orphan", "x").resolve("weights.bin"));
        assertThat(catalog.collectGarbage(Duration.ofHours(1))).isZero();
        assertThat(catalog.collectGarbage(Duration.ZERO)).isEqualTo(1);
        assertThat(catalog.blobStore().list())
                .extracting(BlobStore.Blob::sha256)
                .doesNotContain(orphan)
                .hasSize(3);
        catalog.verifiedArtifacts(v1);
        catalog.delete("m", 1);
        assertThat(catalog.collectGarbage(Duration.ZERO)).isEqualTo(1); // "a"; "b" is still used
        assertThat(blobs.resolve("versions/m/1")).doesNotExist();
        assertThat(catalog.verifiedArtifacts(v2).resolve("vocab.txt")).hasContent("b");
    }

    @Test
    void tamperedCachedFile_isReplacedFromTheBlob() throws Exception {
        ModelCard card =
                catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("w", "v")));
        Path dir = catalog.verifiedArtifacts(card);
        Files.writeString(dir.resolve("weights.bin"), "tampered");
        Files.writeString(dir.resolve("extra.bin"), "foreign");
        Path again = catalog.verifiedArtifacts(card);
        assertThat(again.resolve("weights.bin")).hasContent("w");
        assertThat(again.resolve("extra.bin")).doesNotExist();
    }

    @Test
    void corruptOrMissingBlob_isNeverServed() throws Exception {
        ModelCard card =
                catalog.publish(ModelPackage.of(ModelCard.builder("m").build(), files("w", "v")));
        String sha = card.artifacts().get("weights.bin");
        Path blob = blobs.resolve("sha256").resolve(sha.substring(0, 2)).resolve(sha);
        Files.writeString(blob, "corrupt");
        assertThatThrownBy(() -> catalog.verifiedArtifacts(card))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("weights.bin")
                .hasMessageContaining(sha);
        Files.delete(blob);
        assertThatThrownBy(() -> catalog.verifiedArtifacts(card))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("missing from the blob store");
    }
}
