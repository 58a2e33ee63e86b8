package dev.maas.recommend.data;

import dev.maas.MaasException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Thrown when interaction or catalogue data cannot be read: a row with the wrong number of fields,
 * a value that is not a number, a rating out of range, a reference to an unknown item, a missing
 * file or header. The message names the file, the line (1-based) and what was wrong.
 */
public class MalformedDataException extends MaasException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final String reason;

    /**
     * Creates an exception for a problem at {@code line} of {@code file}.
     *
     * @param file the file being read
     * @param line the 1-based line number, or {@code 0} when the problem concerns the whole file
     * @param reason what was wrong, and what was expected
     */
    public MalformedDataException(Path file, long line, String reason) {
        this(file, line, reason, null);
    }

    /** Creates an exception for a problem at {@code line} of {@code file}, with a cause. */
    public MalformedDataException(Path file, long line, String reason, Throwable cause) {
        super(format(file, line, reason), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Returns the file that holds the problem. */
    public Path file() {
        return file;
    }

    /** Returns the 1-based line number, or {@code 0} for a problem with the whole file. */
    public long line() {
        return line;
    }

    /** Returns what was wrong, without the file and line. */
    public String reason() {
        return reason;
    }

    static String format(Path file, long line, String reason) {
        return line > 0 ? file + " line " + line + ": " + reason : file + ": " + reason;
    }
}
