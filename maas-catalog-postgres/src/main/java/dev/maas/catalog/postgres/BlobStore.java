package dev.maas.catalog.postgres;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Where a {@link PostgresCatalog} keeps artifact bytes: content-addressed by SHA-256, so a file
 * that several versions share is stored once. The catalog writes every blob of a version before the
 * transaction that records the version commits; a blob whose transaction failed is never
 * referenced, hence never served, and {@link PostgresCatalog#collectGarbage} removes it once it is
 * older than a grace period. {@link FolderBlobStore} is the default, a folder every instance
 * shares.
 *
 * <p>Implementations are thread-safe and safe for several processes sharing one store.
 */
public interface BlobStore {
    /**
     * Stores the bytes of {@code source} and returns their SHA-256 (64 lowercase hexadecimal
     * digits). If the blob already exists it is kept, and its {@link Blob#lastModified() age} is
     * renewed so that garbage collection spares it while the publish that wants it completes.
     *
     * @throws IOException if {@code source} cannot be read or the blob cannot be written
     */
    String put(Path source) throws IOException;

    /**
     * Copies blob {@code sha256} to {@code target} (a new file), unchecked: the caller verifies.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such blob
     * @throws IOException if it cannot be copied
     */
    void copyTo(String sha256, Path target) throws IOException;

    /**
     * Returns every blob with its size and last modification.
     *
     * @throws IOException if the store cannot be listed
     */
    List<Blob> list() throws IOException;

    /**
     * Removes blob {@code sha256}.
     *
     * @return whether it existed
     * @throws IOException if it cannot be removed
     */
    boolean delete(String sha256) throws IOException;

    /**
     * One stored blob.
     *
     * @param sha256 its SHA-256, lowercase hexadecimal
     * @param size its size in bytes
     * @param lastModified when it was written or last {@link #put} again
     */
    record Blob(String sha256, long size, Instant lastModified) {}
}
