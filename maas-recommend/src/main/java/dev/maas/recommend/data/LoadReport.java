package dev.maas.recommend.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a loader read: the files, how many data rows it saw, loaded and skipped, and the first few
 * skipped rows with their reasons.
 *
 * <p>Immutable and thread-safe.
 *
 * @param files the files read, in order
 * @param rowsRead data rows seen (headers and blank lines are not rows)
 * @param rowsLoaded rows kept, including catalogue rows
 * @param rowsSkipped rows left out under {@link BadRowPolicy#SKIP}
 * @param firstProblems up to {@value #MAX_PROBLEMS} of the skipped rows, in file order
 */
public record LoadReport(
        List<Path> files,
        long rowsRead,
        long rowsLoaded,
        long rowsSkipped,
        List<Problem> firstProblems) {

    /** The most skipped rows a report describes one by one. */
    public static final int MAX_PROBLEMS = 20;

    /** Copies the lists. */
    public LoadReport {
        files = List.copyOf(files);
        firstProblems = List.copyOf(firstProblems);
    }

    /** Returns whether every row was loaded. */
    public boolean clean() {
        return rowsSkipped == 0;
    }

    /** Returns a short human summary, with the first problem when rows were skipped. */
    @Override
    public String toString() {
        StringBuilder sb =
                new StringBuilder()
                        .append("read ")
                        .append(rowsRead)
                        .append(" rows from ")
                        .append(files.stream().map(f -> String.valueOf(f.getFileName())).toList())
                        .append(", loaded ")
                        .append(rowsLoaded)
                        .append(", skipped ")
                        .append(rowsSkipped);
        if (!firstProblems.isEmpty()) {
            sb.append(" (first: ").append(firstProblems.get(0)).append(')');
        }
        return sb.toString();
    }

    /**
     * One skipped row.
     *
     * @param file the file
     * @param line the 1-based line number
     * @param reason what was wrong
     */
    public record Problem(Path file, long line, String reason) {
        /** Checks the arguments. */
        public Problem {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return MalformedDataException.format(file, line, reason);
        }
    }
}
