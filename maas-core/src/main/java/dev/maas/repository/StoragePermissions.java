package dev.maas.repository;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The POSIX permissions of what maas stores (the repository, the audit log): folders get the
 * permissions given, files the same less the execute bits, set explicitly so that a umask neither
 * widens nor narrows them. Thread-safe (static only).
 */
public final class StoragePermissions {
    /** Folders {@code rwx------}, files {@code rw-------}: the default. */
    public static final Set<PosixFilePermission> OWNER_ONLY =
            Set.copyOf(PosixFilePermissions.fromString("rwx------"));

    private static final Set<PosixFilePermission> OWNER_RWX =
            EnumSet.of(
                    PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE);

    private static final Set<PosixFilePermission> EXECUTE =
            EnumSet.of(
                    PosixFilePermission.OWNER_EXECUTE,
                    PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE);

    private StoragePermissions() {}

    /**
     * Checks folder permissions and returns an immutable copy.
     *
     * @throws IllegalArgumentException if the owner could not read, write and enter the folders
     */
    public static Set<PosixFilePermission> checkFolderPermissions(
            Set<PosixFilePermission> folderPermissions) {
        Objects.requireNonNull(folderPermissions, "folderPermissions");
        if (!folderPermissions.containsAll(OWNER_RWX)) {
            throw new IllegalArgumentException(
                    "folder permissions must let the owner read, write and enter (rwx------ at"
                            + " least), were "
                            + PosixFilePermissions.toString(Set.copyOf(folderPermissions)));
        }
        return Set.copyOf(folderPermissions);
    }

    /** Returns the permissions of files in folders with {@code folderPermissions}. */
    public static Set<PosixFilePermission> filePermissions(
            Set<PosixFilePermission> folderPermissions) {
        Set<PosixFilePermission> files = EnumSet.noneOf(PosixFilePermission.class);
        files.addAll(folderPermissions);
        files.removeAll(EXECUTE);
        return Set.copyOf(files);
    }
}
