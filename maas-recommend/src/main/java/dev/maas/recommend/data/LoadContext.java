package dev.maas.recommend.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads text files line by line for one load and applies the bad-row policy. Not thread-safe. */
final class LoadContext {
    private static final Logger LOG = LoggerFactory.getLogger(LoadContext.class);

    private final BadRowPolicy policy;
    private final List<Path> files = new ArrayList<>();
    private final List<LoadReport.Problem> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private long read;
    private long loaded;
    private long skipped;
    private long duplicates;

    LoadContext(BadRowPolicy policy) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
    }

    /** A row parser: returns normally when the row was used, throws {@link BadRow} if not. */
    @FunctionalInterface
    interface RowHandler {
        void row(long line, String text) throws BadRow;
    }

    /** Why one row could not be used; cheap (no stack trace). */
    static final class BadRow extends Exception {
        private static final long serialVersionUID = 1L;

        BadRow(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Feeds every non-blank line after the first {@code skipLines} to the handler. Lines that do
     * not decode in {@code charset} are bad rows.
     */
    void read(Path file, Charset charset, int skipLines, RowHandler handler) {
        files.add(file);
        CharsetDecoder decoder =
                charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16)) {
            long lineNo = 0;
            String text;
            while ((text = reader.readLine()) != null) {
                lineNo++;
                if (lineNo <= skipLines || text.isBlank()) {
                    continue;
                }
                read++;
                if (text.indexOf('\uFFFD') >= 0) {
                    bad(file, lineNo, "bytes that are not valid " + charset.name() + " text");
                    continue;
                }
                try {
                    handler.row(lineNo, text);
                    loaded++;
                } catch (BadRow e) {
                    bad(file, lineNo, e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            throw new MalformedDataException(file, 0, "file does not exist", e);
        } catch (IOException e) {
            throw new MalformedDataException(file, 0, "cannot be read: " + e, e);
        }
    }

    /** Reads the first line of {@code file}, or {@code null} if it is empty. */
    static String firstLine(Path file, Charset charset) {
        // Lenient decoding: a bad byte further down is reported with its own line number later.
        CharsetDecoder decoder =
                charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            return reader.readLine();
        } catch (NoSuchFileException e) {
            throw new MalformedDataException(file, 0, "file does not exist", e);
        } catch (IOException e) {
            throw new MalformedDataException(file, 1, "cannot be read: " + e, e);
        }
    }

    void bad(Path file, long line, String reason) {
        if (policy == BadRowPolicy.STRICT) {
            throw new MalformedDataException(file, line, reason);
        }
        skipped++;
        if (problems.size() < LoadReport.MAX_PROBLEMS) {
            problems.add(new LoadReport.Problem(file, line, reason));
        }
    }

    /** Adds a note to the report: something the data lacks that is not a bad row. */
    void note(String text) {
        LOG.info("{}", text);
        notes.add(text);
    }

    /**
     * Returns {@code data} with one row per (user, item) pair: of the rows that repeat a pair, the
     * one with the latest timestamp is kept (the later row on a tie), the others are dropped and
     * counted as duplicates. Rows keep their order. Returns {@code data} itself when no pair
     * repeats.
     *
     * <p>Runs in time linear in rows, users and items: rows are grouped by user with a counting
     * sort, and each user's items are tracked in arrays indexed by item.
     */
    Interactions keepLatestPerPair(Interactions data) {
        int n = data.size();
        int numUsers = data.numUsers();
        int[] start = new int[numUsers + 1];
        for (int r = 0; r < n; r++) {
            start[data.user(r) + 1]++;
        }
        for (int u = 0; u < numUsers; u++) {
            start[u + 1] += start[u];
        }
        int[] fill = java.util.Arrays.copyOf(start, numUsers);
        int[] byUser = new int[n];
        for (int r = 0; r < n; r++) {
            byUser[fill[data.user(r)]++] = r;
        }
        int[] owner = new int[data.numItems()];
        java.util.Arrays.fill(owner, -1);
        int[] keptRow = new int[data.numItems()];
        java.util.BitSet dropped = new java.util.BitSet(n);
        for (int u = 0; u < numUsers; u++) {
            // Rows of one user come in row order (the counting sort is stable).
            for (int k = start[u]; k < start[u + 1]; k++) {
                int r = byUser[k];
                int item = data.item(r);
                if (owner[item] != u) {
                    owner[item] = u;
                    keptRow[item] = r;
                    continue;
                }
                int previous = keptRow[item];
                if (data.timestamp(r) >= data.timestamp(previous)) {
                    dropped.set(previous);
                    keptRow[item] = r;
                } else {
                    dropped.set(r);
                }
            }
        }
        int count = dropped.cardinality();
        if (count == 0) {
            return data;
        }
        int[] keep = new int[n - count];
        int next = 0;
        for (int r = dropped.nextClearBit(0); r < n; r = dropped.nextClearBit(r + 1)) {
            keep[next++] = r;
        }
        loaded -= count;
        duplicates += count;
        return data.select(keep);
    }

    LoadReport report() {
        LoadReport report =
                new LoadReport(files, read, loaded, skipped, duplicates, problems, notes);
        if (skipped > 0 || duplicates > 0) {
            LOG.warn(
                    "Skipped {} bad rows and dropped {} duplicate ratings: {}",
                    skipped,
                    duplicates,
                    report);
        } else {
            LOG.debug("Loaded {}", report);
        }
        return report;
    }

    // ---- field helpers shared by the loaders ----

    /** Splits on a single character with no quoting (MovieLens-100K tab and pipe files). */
    static List<String> splitPlain(String line, char delimiter) {
        List<String> fields = new ArrayList<>(8);
        int start = 0;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == delimiter) {
                fields.add(line.substring(start, i));
                start = i + 1;
            }
        }
        fields.add(line.substring(start));
        return fields;
    }

    /**
     * Splits one CSV record: fields may be quoted with {@code "}, a quote inside a quoted field is
     * written twice, and quoted fields may hold the delimiter.
     */
    static List<String> splitCsv(String line, char delimiter) throws BadRow {
        List<String> fields = new ArrayList<>(8);
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            field.setLength(0);
            if (i < n && line.charAt(i) == '"') {
                int open = i;
                i++;
                while (true) {
                    if (i >= n) {
                        throw new BadRow(
                                "quoted field starting at column "
                                        + (open + 1)
                                        + " has no closing quote");
                    }
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                        } else {
                            i++;
                            break;
                        }
                    } else {
                        field.append(c);
                        i++;
                    }
                }
                if (i < n && line.charAt(i) != delimiter) {
                    throw new BadRow(
                            "unexpected character '"
                                    + line.charAt(i)
                                    + "' after a closing quote at column "
                                    + (i + 1)
                                    + " (expected '"
                                    + delimiter
                                    + "' or end of line)");
                }
            } else {
                while (i < n && line.charAt(i) != delimiter) {
                    field.append(line.charAt(i++));
                }
            }
            fields.add(field.toString());
            if (i >= n) {
                return fields;
            }
            i++; // the delimiter
        }
    }

    static String requireId(String raw, String what) throws BadRow {
        String id = raw.trim();
        if (id.isEmpty()) {
            throw new BadRow(what + " is empty");
        }
        return id;
    }

    static float parseValue(String raw, String what, float min, float max) throws BadRow {
        float value;
        try {
            value = Float.parseFloat(raw.trim());
        } catch (NumberFormatException e) {
            throw new BadRow(what + " '" + raw + "' is not a number");
        }
        if (!(value >= min && value <= max)) {
            throw new BadRow(what + " " + raw.trim() + " is outside " + min + ".." + max);
        }
        return value;
    }

    static long parseTimestamp(String raw) throws BadRow {
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new BadRow("timestamp '" + raw + "' is not an integer");
        }
    }
}
