package dev.maas.recommend.data;

import de.siegmar.fastcsv.reader.CommentStrategy;
import de.siegmar.fastcsv.reader.CsvCallbackHandler;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import de.siegmar.fastcsv.reader.RecordType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads text files for one load, line by line or CSV record by record, and applies the bad-row
 * policy. Not thread-safe.
 */
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

    /** A record parser: returns normally when the record was used, throws {@link BadRow} if not. */
    @FunctionalInterface
    interface RecordHandler {
        /**
         * Handles one record.
         *
         * @param line the line the record starts on (1-based)
         * @param fields the record's fields, unquoted; valid only during the call
         */
        void record(long line, List<String> fields) throws BadRow;
    }

    /**
     * Feeds every CSV record of {@code file} after the first {@code skipRecords} to the handler.
     * Fields may be quoted with {@code "}; a quoted field may hold the delimiter, doubled quotes
     * and line breaks, so one record can span lines: problems are reported at the line a record
     * starts on. Blank lines are skipped; records with bytes that do not decode in {@code charset}
     * are bad rows. A quote that never closes, or text after a closing quote, leaves the record
     * boundaries unknown: that stops the load with {@link MalformedDataException} whatever the
     * policy.
     */
    void readCsv(
            Path file, Charset charset, char delimiter, int skipRecords, RecordHandler handler) {
        files.add(file);
        CharsetDecoder decoder =
                charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE);
        Fields fields = new Fields();
        try (CsvReader<Fields> reader =
                csv(delimiter)
                        .build(
                                fields,
                                new InputStreamReader(Files.newInputStream(file), decoder))) {
            long records = 0;
            for (Fields record : reader) {
                if (++records <= skipRecords || record.isBlank()) {
                    continue;
                }
                read++;
                if (record.hasReplacementChar()) {
                    bad(file, record.line, "bytes that are not valid " + charset.name() + " text");
                    continue;
                }
                try {
                    handler.record(record.line, record.view);
                    loaded++;
                } catch (BadRow e) {
                    bad(file, record.line, e.getMessage());
                }
            }
        } catch (CsvParseException e) {
            throw new MalformedDataException(file, fields.line, csvProblem(e), e);
        } catch (NoSuchFileException e) {
            throw new MalformedDataException(file, 0, "file does not exist", e);
        } catch (IOException | UncheckedIOException e) {
            throw new MalformedDataException(file, 0, "cannot be read: " + e, e);
        }
    }

    private static CsvReader.CsvReaderBuilder csv(char delimiter) {
        return CsvReader.builder()
                .fieldSeparator(delimiter)
                .quoteCharacter('"')
                .commentStrategy(CommentStrategy.NONE)
                .skipEmptyLines(true)
                .extraFieldStrategy(FieldMismatchStrategy.IGNORE)
                .missingFieldStrategy(FieldMismatchStrategy.IGNORE)
                .allowExtraCharsAfterClosingQuote(false)
                .allowUnclosedQuote(false);
    }

    private static String csvProblem(CsvParseException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Unclosed quoted field")) {
            return "a quoted field has no closing quote (it runs to the end of the file)";
        }
        return message.replaceFirst(" \\(record starting at line \\d+\\)$", "");
    }

    /**
     * Splits one line as a CSV record (the header): fields may be quoted with {@code "}, a quote
     * inside a quoted field is written twice.
     */
    static List<String> splitCsv(String line, char delimiter) throws BadRow {
        try {
            return csv(delimiter).ofSingleCsvRecord(line).getFields();
        } catch (CsvParseException e) {
            throw new BadRow(csvProblem(e));
        }
    }

    /**
     * Collects the fields of the current record into one reused list, and remembers the line the
     * record starts on (also when parsing it fails). Saves the per-record array copy of the
     * library's own record type.
     */
    private static final class Fields extends CsvCallbackHandler<Fields> {
        private final ArrayList<String> values = new ArrayList<>(8);
        final List<String> view = Collections.unmodifiableList(values);
        long line;
        private RecordType type = RecordType.DATA;

        @Override
        protected RecordType getRecordType() {
            return type;
        }

        @Override
        protected int getFieldCount() {
            return values.size();
        }

        @Override
        protected void beginRecord(long startingLineNumber) {
            line = startingLineNumber;
            values.clear();
            type = RecordType.DATA;
        }

        @Override
        protected void addField(char[] buf, int offset, int len, boolean quoted) {
            values.add(new String(buf, offset, len));
        }

        @Override
        protected void setComment(char[] buf, int offset, int len) {
            type = RecordType.COMMENT;
        }

        @Override
        protected void setEmpty() {
            type = RecordType.EMPTY;
        }

        @Override
        protected Fields buildRecord() {
            return this;
        }

        boolean isBlank() {
            return values.size() == 1 && values.get(0).isBlank();
        }

        boolean hasReplacementChar() {
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).indexOf('\uFFFD') >= 0) {
                    return true;
                }
            }
            return false;
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
