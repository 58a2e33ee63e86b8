package dev.maas;

import java.nio.file.Path;

/** Thrown when an artifact file's SHA-256 differs from the one recorded in its model card. */
public class ChecksumMismatchException extends MalformedModelException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * Creates an exception for {@code file}.
     *
     * @param file the artifact file whose content changed
     * @param message what was expected and what was found
     */
    public ChecksumMismatchException(Path file, String message) {
        super(message);
        this.file = file;
    }

    /** Returns the artifact file whose checksum did not match. */
    public Path file() {
        return file;
    }
}
