package dev.maas.recommend.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a loader read: the files, how many data rows it saw, loaded, skipped and dropped as
 * duplicates, the first few skipped rows with their reasons, and notes on what the data lacks.
 *
 * <p>Every row read is counted once: {@code rowsRead == rowsLoaded + rowsSkipped +
 * duplicatesDropped}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param files the files read, in order
 * @param rowsRead data rows seen (headers and blank lines are not rows)
 * @param rowsLoaded rows kept, including catalogue rows
 * @param rowsSkipped rows left out under {@link BadRowPolicy#SKIP}
 * @param duplicatesDropped ratings left out because the same user rated the same item again later
 *     in the data (see {@link MovieLens}: the latest rating of a pair is kept)
 * @param firstProblems up to {@value #MAX_PROBLEMS} of the skipped rows, in file order
 * @param notes things worth knowing about the data that are not bad rows, one sentence each, such
 *     as a missing catalogue file (items then have no titles or genres)
 */
public record LoadReport(
        List<Path> files,
        long rowsRead,
        long rowsLoaded,
        long rowsSkipped,
        long duplicatesDropped,
        List<Problem> firstProblems,
        List<String> notes) {

    /** The most skipped rows a report describes one by one. */
    public static final int MAX_PROBLEMS = 20;

    /** Copies the lists. */
    public LoadReport {
        files = List.copyOf(files);
        firstProblems = List.copyOf(firstProblems);
        notes = List.copyOf(notes);
    }

    /** A report without duplicates or notes, for loaders that look for neither. */
    public LoadReport(
            List<Path> files,
            long rowsRead,
            long rowsLoaded,
            long rowsSkipped,
            List<Problem> firstProblems) {
        this(files, rowsRead, rowsLoaded, rowsSkipped, 0, firstProblems, List.of());
    }

    /**
     * Returns whether there is nothing to tell: every row was loaded, none was a duplicate, and
     * there are no notes.
     */
    public boolean clean() {
        return rowsSkipped == 0 && duplicatesDropped == 0 && notes.isEmpty();
    }

    /**
     * Returns a short human summary: the counts, the first problem when rows were skipped, the
     * duplicates when some were dropped, then the notes.
     */
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
        if (duplicatesDropped > 0) {
            sb.append(", ").append(duplicatesDescription());
        }
        for (String note : notes) {
            sb.append("; ").append(note);
        }
        return sb.toString();
    }

    /**
     * Returns one sentence on the dropped duplicates, such as {@code "dropped 3 duplicate ratings
     * (a user rating an item again): kept the latest of each"}, or an empty string when there were
     * none.
     */
    public String duplicatesDescription() {
        if (duplicatesDropped == 0) {
            return "";
        }
        return "dropped "
                + duplicatesDropped
                + (duplicatesDropped == 1 ? " duplicate rating" : " duplicate ratings")
                + " (a user rating an item again): kept the latest of each";
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
