package dev.maas.recommend.data;

import dev.maas.recommend.data.LoadContext.BadRow;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Loads interactions from any delimited text file by naming its columns: user, item, and optionally
 * a value (rating, play count, weight) and a timestamp.
 *
 * <pre>{@code
 * LoadResult<Interactions> plays =
 *         CsvInteractionsLoader.builder(Path.of("plays.csv"))
 *                 .userColumn("account")
 *                 .itemColumn("track")
 *                 .valueColumn("plays")
 *                 .timestampColumn("last_played")
 *                 .policy(BadRowPolicy.SKIP)
 *                 .build()
 *                 .load();
 * }</pre>
 *
 * <p>Fields may be quoted with {@code "} (a quote inside is written twice); a quoted field may span
 * lines, and problems are reported at the line its record starts on. Columns are named by header
 * name when the file has a header, or by 0-based position. Without a value column every row has
 * value {@code 1} (implicit feedback); without a timestamp column every row has time {@code 0}.
 * Values must be finite numbers; timestamps whole numbers. Items have no titles or genres (their
 * ids serve as titles). Indices follow order of first appearance.
 *
 * <p>A built loader is immutable and thread-safe; each {@link #load()} reads the file anew.
 */
public final class CsvInteractionsLoader {
    private final Path file;
    private final char delimiter;
    private final boolean header;
    private final Charset charset;
    private final Object user;
    private final Object item;
    private final Object value;
    private final Object timestamp;
    private final BadRowPolicy policy;

    private CsvInteractionsLoader(Builder b) {
        this.file = b.file;
        this.delimiter = b.delimiter;
        this.header = b.header;
        this.charset = b.charset;
        this.user = b.user;
        this.item = b.item;
        this.value = b.value;
        this.timestamp = b.timestamp;
        this.policy = b.policy;
    }

    /** Returns a builder for the file at {@code file}. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /**
     * Reads the file.
     *
     * @throws MalformedDataException if the file is missing, a named column is not in the header,
     *     or under {@link BadRowPolicy#STRICT} at the first bad row
     */
    public LoadResult<Interactions> load() {
        int[] columns = new int[4];
        if (header) {
            String first = LoadContext.firstLine(file, charset);
            if (first == null) {
                throw new MalformedDataException(file, 1, "is empty; expected a header line");
            }
            List<String> names;
            try {
                names = LoadContext.splitCsv(first.replace("\uFEFF", ""), delimiter);
            } catch (BadRow e) {
                throw new MalformedDataException(file, 1, "header: " + e.getMessage());
            }
            columns[0] = resolve(user, names, "user");
            columns[1] = resolve(item, names, "item");
            columns[2] = value == null ? -1 : resolve(value, names, "value");
            columns[3] = timestamp == null ? -1 : resolve(timestamp, names, "timestamp");
        } else {
            columns[0] = (Integer) user;
            columns[1] = (Integer) item;
            columns[2] = value == null ? -1 : (Integer) value;
            columns[3] = timestamp == null ? -1 : (Integer) timestamp;
        }
        int needed = 0;
        for (int c : columns) {
            needed = Math.max(needed, c + 1);
        }
        int fieldsNeeded = needed;
        LoadContext context = new LoadContext(policy);
        Interactions.Builder builder = Interactions.builder();
        context.readCsv(
                file,
                charset,
                delimiter,
                header ? 1 : 0,
                (line, f) -> {
                    if (f.size() < fieldsNeeded) {
                        throw new BadRow(
                                "expected at least "
                                        + fieldsNeeded
                                        + " '"
                                        + delimiter
                                        + "'-separated fields but found "
                                        + f.size());
                    }
                    String u = LoadContext.requireId(f.get(columns[0]), "user id");
                    String i = LoadContext.requireId(f.get(columns[1]), "item id");
                    float v =
                            columns[2] < 0
                                    ? 1f
                                    : LoadContext.parseValue(
                                            f.get(columns[2]),
                                            "value",
                                            -Float.MAX_VALUE,
                                            Float.MAX_VALUE);
                    long t = columns[3] < 0 ? 0L : LoadContext.parseTimestamp(f.get(columns[3]));
                    try {
                        builder.add(u, i, v, t);
                    } catch (IllegalArgumentException e) {
                        throw new BadRow(e.getMessage());
                    }
                });
        return new LoadResult<>(builder.build(), context.report());
    }

    private int resolve(Object column, List<String> names, String role) {
        if (column instanceof Integer index) {
            if (index >= names.size()) {
                throw new MalformedDataException(
                        file,
                        1,
                        role
                                + " column "
                                + index
                                + " does not exist; the header has "
                                + names.size()
                                + " columns "
                                + names);
            }
            return index;
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).trim().equals(column)) {
                return i;
            }
        }
        throw new MalformedDataException(
                file, 1, role + " column '" + column + "' is not in the header " + names);
    }

    /** Configures a {@link CsvInteractionsLoader}. Not thread-safe. */
    public static final class Builder {
        private final Path file;
        private char delimiter = ',';
        private boolean header = true;
        private Charset charset = StandardCharsets.UTF_8;
        private Object user;
        private Object item;
        private Object value;
        private Object timestamp;
        private BadRowPolicy policy = BadRowPolicy.STRICT;

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        /**
         * Sets the field delimiter; default {@code ','}.
         *
         * @throws IllegalArgumentException if it is a quote or a line break
         */
        public Builder delimiter(char delimiter) {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                throw new IllegalArgumentException(
                        "delimiter must not be a quote or line break, was '" + delimiter + "'");
            }
            this.delimiter = delimiter;
            return this;
        }

        /** Sets whether the first line is a header; default {@code true}. */
        public Builder header(boolean header) {
            this.header = header;
            return this;
        }

        /** Sets the text encoding; default UTF-8. */
        public Builder charset(Charset charset) {
            this.charset = Objects.requireNonNull(charset, "charset");
            return this;
        }

        /** Sets the bad-row policy; default {@link BadRowPolicy#STRICT}. */
        public Builder policy(BadRowPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Names the user id column by header name (required, by name or position). */
        public Builder userColumn(String name) {
            user = set(user, name, "user");
            return this;
        }

        /** Names the user id column by 0-based position. */
        public Builder userColumn(int index) {
            user = set(user, index, "user");
            return this;
        }

        /** Names the item id column by header name (required, by name or position). */
        public Builder itemColumn(String name) {
            item = set(item, name, "item");
            return this;
        }

        /** Names the item id column by 0-based position. */
        public Builder itemColumn(int index) {
            item = set(item, index, "item");
            return this;
        }

        /** Names the value column by header name; without one every value is {@code 1}. */
        public Builder valueColumn(String name) {
            value = set(value, name, "value");
            return this;
        }

        /** Names the value column by 0-based position. */
        public Builder valueColumn(int index) {
            value = set(value, index, "value");
            return this;
        }

        /** Names the timestamp column by header name; without one every time is {@code 0}. */
        public Builder timestampColumn(String name) {
            timestamp = set(timestamp, name, "timestamp");
            return this;
        }

        /** Names the timestamp column by 0-based position. */
        public Builder timestampColumn(int index) {
            timestamp = set(timestamp, index, "timestamp");
            return this;
        }

        /**
         * Returns the loader.
         *
         * @throws IllegalStateException if the user or item column is not set, or a column is named
         *     by header name while {@code header(false)}
         */
        public CsvInteractionsLoader build() {
            if (user == null || item == null) {
                throw new IllegalStateException(
                        "userColumn and itemColumn must be set (value and timestamp are"
                                + " optional)");
            }
            if (!header) {
                for (Object c : new Object[] {user, item, value, timestamp}) {
                    if (c instanceof String name) {
                        throw new IllegalStateException(
                                "column '" + name + "' is named but header(false): use positions");
                    }
                }
            }
            return new CsvInteractionsLoader(this);
        }

        private static Object set(Object current, Object column, String role) {
            if (current != null) {
                throw new IllegalStateException(
                        role + " column was already set to " + describe(current));
            }
            if (column instanceof String name && name.isBlank()) {
                throw new IllegalArgumentException(role + " column name must not be blank");
            }
            if (column instanceof Integer index && index < 0) {
                throw new IllegalArgumentException(
                        role + " column index must be >= 0, was " + index);
            }
            return Objects.requireNonNull(column, role + " column");
        }

        private static String describe(Object column) {
            return column instanceof String ? "'" + column + "'" : "position " + column;
        }
    }
}
