package dev.maas.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates the folders the command writes under the repository root (the root itself, {@code runs},
 * {@code data}) readable by their owner only, as the repository creates its own: trained models are
 * nobody else's to read or replace, whatever the umask.
 */
final class PrivateFolders {
    private static final Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rwx------");

    private PrivateFolders() {}

    /**
     * Creates {@code dir} and its missing parents, each {@code rwx------} where the file system has
     * POSIX permissions; folders that exist keep theirs.
     */
    static void create(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            create(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return; // made concurrently
            }
            throw e;
        }
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        }
    }
}
