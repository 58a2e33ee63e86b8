package dev.maas.recommend.data;

import dev.maas.recommend.data.LoadContext.BadRow;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes the MovieLens file layouts published by GroupLens.
 *
 * <ul>
 *   <li><b>MovieLens 100K</b> ({@link #load100k}): {@code u.data} with one tab-separated rating per
 *       line ({@code user item rating timestamp}, ratings 1 to 5, seconds since the epoch), {@code
 *       u.item} with {@code |}-separated movie rows in ISO-8859-1 ({@code id|title|release
 *       date|video date|url|} then one 0/1 flag per genre) and {@code u.genre} with the genre names
 *       ({@code name|index}). {@code u.item} is optional; without {@code u.genre} the standard 19
 *       genres ({@link #GENRES_100K}) are assumed. The predefined splits ({@code u1.base}/{@code
 *       u1.test} ... {@code ub}) load with {@link #load100kSplit}.
 *   <li><b>MovieLens latest, 20M, 25M, 32M</b> ({@link #loadLatest}): {@code ratings.csv} with
 *       header {@code userId,movieId,rating,timestamp} (ratings 0.5 to 5) and {@code movies.csv}
 *       with header {@code movieId,title,genres}, UTF-8, titles quoted when they hold a comma, a
 *       quote or a line break (CSV quoting: a quote inside is written twice; line ends may be
 *       {@code \n} or {@code \r\n}), genres separated by {@code |} ({@code (no genres listed)}
 *       means none).
 * </ul>
 *
 * <p>Items are indexed in catalogue-file order, users in order of first appearance. A rating that
 * names an item missing from the catalogue file is a bad row. Without a catalogue file items have
 * no titles or genres (their ids stand in for titles), and the {@link LoadReport} says so in a
 * note.
 *
 * <p><b>Duplicates.</b> The data sets hold one rating per user and item. When a user rated an item
 * more than once (a repeated row, or files concatenated twice), {@link #load100k} and {@link
 * #loadLatest} keep the rating with the latest timestamp (on equal timestamps, the one later in the
 * file), as the user's current opinion, and leave the others out, counted in {@link
 * LoadReport#duplicatesDropped()}. Keeping them all would weigh those pairs twice in training, and
 * a random split could put one copy in training and another in the test set. {@link #load100kSplit}
 * keeps the published files as they are. Bad rows follow the {@link BadRowPolicy}: {@code STRICT}
 * throws {@link MalformedDataException} naming file, line and reason; {@code SKIP} leaves them out
 * and counts them in the {@link LoadReport}. A wrong header or a missing required file always
 * throws.
 *
 * <p>Stateless and thread-safe.
 */
public final class MovieLens {
    /** The 19 genres of MovieLens 100K, in {@code u.genre} order. */
    public static final List<String> GENRES_100K =
            List.of(
                    "unknown",
                    "Action",
                    "Adventure",
                    "Animation",
                    "Children's",
                    "Comedy",
                    "Crime",
                    "Documentary",
                    "Drama",
                    "Fantasy",
                    "Film-Noir",
                    "Horror",
                    "Musical",
                    "Mystery",
                    "Romance",
                    "Sci-Fi",
                    "Thriller",
                    "War",
                    "Western");

    private static final Charset LATIN_1 = StandardCharsets.ISO_8859_1;
    private static final String RATINGS_HEADER = "userId,movieId,rating,timestamp";
    private static final String MOVIES_HEADER = "movieId,title,genres";
    private static final String NO_GENRES = "(no genres listed)";

    private MovieLens() {}

    /** The layouts this class reads. */
    public enum Layout {
        /** {@code u.data}, {@code u.item}, {@code u.genre}. */
        ML_100K,
        /** {@code ratings.csv}, {@code movies.csv}. */
        ML_LATEST
    }

    /**
     * Returns the layout of the MovieLens files in {@code dir}, judged by which ratings file it
     * holds.
     *
     * @throws MalformedDataException if the folder holds neither {@code u.data} nor {@code
     *     ratings.csv}
     */
    public static Layout detect(Path dir) {
        if (Files.isRegularFile(dir.resolve("u.data"))) {
            return Layout.ML_100K;
        }
        if (Files.isRegularFile(dir.resolve("ratings.csv"))) {
            return Layout.ML_LATEST;
        }
        throw new MalformedDataException(
                dir,
                0,
                "is not a MovieLens folder: expected u.data (MovieLens 100K) or ratings.csv"
                        + " (MovieLens latest/20M/25M)");
    }

    /**
     * Loads the MovieLens files in {@code dir}, whichever layout they are in.
     *
     * @throws MalformedDataException as {@link #load100k} and {@link #loadLatest} do
     */
    public static LoadResult<Interactions> load(Path dir, BadRowPolicy policy) {
        return detect(dir) == Layout.ML_100K ? load100k(dir, policy) : loadLatest(dir, policy);
    }

    /**
     * Loads MovieLens 100K from {@code dir}: {@code u.data}, and {@code u.item}/{@code u.genre}
     * when present.
     *
     * @throws MalformedDataException if {@code u.data} is missing, or under {@code STRICT} at the
     *     first bad row
     */
    public static LoadResult<Interactions> load100k(Path dir, BadRowPolicy policy) {
        LoadContext context = new LoadContext(policy);
        Interactions.Builder builder = Interactions.builder();
        read100kCatalogue(dir, context, builder);
        read100kRatings(dir.resolve("u.data"), context, builder);
        Interactions data = context.keepLatestPerPair(builder.build());
        return new LoadResult<>(data, context.report());
    }

    /**
     * Loads one of the predefined MovieLens 100K splits: {@code <name>.base} as training set and
     * {@code <name>.test} as test set, such as {@code "u1"} ... {@code "u5"} (the five folds of the
     * published 5-fold cross-validation), {@code "ua"} or {@code "ub"}. Both share one index space;
     * the catalogue comes from {@code u.item} when present.
     *
     * @throws IllegalArgumentException if the name is not a plain file name
     * @throws MalformedDataException if a file is missing, or under {@code STRICT} at the first bad
     *     row
     */
    public static LoadResult<Split> load100kSplit(Path dir, String name, BadRowPolicy policy) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
            throw new IllegalArgumentException(
                    "split name must be a plain file name such as 'u1', was '" + name + "'");
        }
        LoadContext context = new LoadContext(policy);
        Interactions.Builder builder = Interactions.builder();
        read100kCatalogue(dir, context, builder);
        read100kRatings(dir.resolve(name + ".base"), context, builder);
        int trainRows = builder.size();
        read100kRatings(dir.resolve(name + ".test"), context, builder);
        Interactions all = builder.build();
        int[] train = new int[trainRows];
        int[] test = new int[all.size() - trainRows];
        for (int r = 0; r < all.size(); r++) {
            if (r < trainRows) {
                train[r] = r;
            } else {
                test[r - trainRows] = r;
            }
        }
        return new LoadResult<>(new Split(all.select(train), all.select(test)), context.report());
    }

    private static void read100kCatalogue(
            Path dir, LoadContext context, Interactions.Builder builder) {
        Path itemFile = dir.resolve("u.item");
        if (!Files.isRegularFile(itemFile)) {
            context.note(noCatalogue(itemFile));
            return;
        }
        List<String> genres = GENRES_100K;
        Path genreFile = dir.resolve("u.genre");
        if (Files.isRegularFile(genreFile)) {
            genres = read100kGenres(genreFile);
        }
        List<String> genreNames = genres;
        int expected = 5 + genreNames.size();
        List<ItemInfo> items = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        context.read(
                itemFile,
                LATIN_1,
                0,
                (line, text) -> {
                    List<String> f = LoadContext.splitPlain(text, '|');
                    if (f.size() != expected) {
                        throw new BadRow(
                                "expected "
                                        + expected
                                        + " '|'-separated fields (id|title|release date|video"
                                        + " date|url and "
                                        + genreNames.size()
                                        + " genre flags) but found "
                                        + f.size());
                    }
                    String id = LoadContext.requireId(f.get(0), "item id");
                    if (!seen.add(id)) {
                        throw new BadRow("item id " + id + " appears twice");
                    }
                    List<String> itemGenres = new ArrayList<>(3);
                    for (int g = 0; g < genreNames.size(); g++) {
                        String flag = f.get(5 + g).trim();
                        if (flag.equals("1")) {
                            itemGenres.add(genreNames.get(g));
                        } else if (!flag.equals("0")) {
                            throw new BadRow(
                                    "genre flag "
                                            + (g + 1)
                                            + " ("
                                            + genreNames.get(g)
                                            + ") is '"
                                            + flag
                                            + "', expected 0 or 1");
                        }
                    }
                    items.add(new ItemInfo(id, f.get(1).trim(), itemGenres));
                });
        builder.catalogue(items, genreNames);
    }

    private static List<String> read100kGenres(Path genreFile) {
        // The genre list defines the u.item layout, so any problem in it is fatal.
        LoadContext strict = new LoadContext(BadRowPolicy.STRICT);
        List<String> names = new ArrayList<>();
        strict.read(
                genreFile,
                LATIN_1,
                0,
                (line, text) -> {
                    List<String> f = LoadContext.splitPlain(text, '|');
                    if (f.size() != 2) {
                        throw new BadRow("expected 'name|index' but found '" + text + "'");
                    }
                    String index = f.get(1).trim();
                    if (!index.equals(Integer.toString(names.size()))) {
                        throw new BadRow(
                                "genre index is '" + index + "', expected " + names.size());
                    }
                    names.add(LoadContext.requireId(f.get(0), "genre name"));
                });
        return names;
    }

    private static void read100kRatings(
            Path file, LoadContext context, Interactions.Builder builder) {
        if (!Files.isRegularFile(file)) {
            throw new MalformedDataException(
                    file, 0, "file does not exist (expected MovieLens 100K ratings)");
        }
        context.read(
                file,
                LATIN_1,
                0,
                (line, text) -> {
                    List<String> f = LoadContext.splitPlain(text, '\t');
                    if (f.size() != 4) {
                        throw new BadRow(
                                "expected 4 tab-separated fields (user, item, rating,"
                                        + " timestamp) but found "
                                        + f.size());
                    }
                    String user = LoadContext.requireId(f.get(0), "user id");
                    String item = LoadContext.requireId(f.get(1), "item id");
                    float rating = LoadContext.parseValue(f.get(2), "rating", 1f, 5f);
                    long time = LoadContext.parseTimestamp(f.get(3));
                    addChecked(builder, user, item, rating, time, "u.item");
                });
    }

    /**
     * Loads MovieLens latest / 20M / 25M / 32M from {@code dir}: {@code ratings.csv}, and {@code
     * movies.csv} when present.
     *
     * @throws MalformedDataException if {@code ratings.csv} is missing, a header is not the
     *     expected one, or under {@code STRICT} at the first bad row
     */
    public static LoadResult<Interactions> loadLatest(Path dir, BadRowPolicy policy) {
        LoadContext context = new LoadContext(policy);
        Interactions.Builder builder = Interactions.builder();
        Path movies = dir.resolve("movies.csv");
        if (Files.isRegularFile(movies)) {
            checkHeader(movies, MOVIES_HEADER);
            List<ItemInfo> items = new ArrayList<>();
            Map<String, Boolean> genres = new LinkedHashMap<>();
            Set<String> seen = new HashSet<>();
            context.readCsv(
                    movies,
                    StandardCharsets.UTF_8,
                    ',',
                    1,
                    (line, f) -> {
                        if (f.size() != 3) {
                            throw new BadRow(
                                    "expected 3 fields (movieId,title,genres) but found "
                                            + f.size()
                                            + " (titles with commas must be quoted)");
                        }
                        String id = LoadContext.requireId(f.get(0), "movieId");
                        if (!seen.add(id)) {
                            throw new BadRow("movieId " + id + " appears twice");
                        }
                        List<String> itemGenres = new ArrayList<>(3);
                        String raw = f.get(2).trim();
                        if (!raw.isEmpty() && !raw.equals(NO_GENRES)) {
                            for (String g : LoadContext.splitPlain(raw, '|')) {
                                String genre = g.trim();
                                if (!genre.isEmpty() && !itemGenres.contains(genre)) {
                                    itemGenres.add(genre);
                                }
                            }
                        }
                        items.add(new ItemInfo(id, f.get(1).trim(), itemGenres));
                        itemGenres.forEach(g -> genres.put(g, Boolean.TRUE));
                    });
            builder.catalogue(items, List.copyOf(genres.keySet()));
        } else {
            context.note(noCatalogue(movies));
        }
        Path ratings = dir.resolve("ratings.csv");
        checkHeader(ratings, RATINGS_HEADER);
        context.readCsv(
                ratings,
                StandardCharsets.UTF_8,
                ',',
                1,
                (line, f) -> {
                    if (f.size() != 4) {
                        throw new BadRow(
                                "expected 4 fields (userId,movieId,rating,timestamp) but found "
                                        + f.size());
                    }
                    String user = LoadContext.requireId(f.get(0), "userId");
                    String item = LoadContext.requireId(f.get(1), "movieId");
                    float rating = LoadContext.parseValue(f.get(2), "rating", 0.5f, 5f);
                    long time = LoadContext.parseTimestamp(f.get(3));
                    addChecked(builder, user, item, rating, time, "movies.csv");
                });
        Interactions data = context.keepLatestPerPair(builder.build());
        return new LoadResult<>(data, context.report());
    }

    private static String noCatalogue(Path file) {
        return "no "
                + file.getFileName()
                + " in "
                + file.getParent()
                + ": items have no titles or genres (their ids are shown instead)";
    }

    private static void addChecked(
            Interactions.Builder builder,
            String user,
            String item,
            float rating,
            long time,
            String catalogueFile)
            throws BadRow {
        try {
            builder.add(user, item, rating, time);
        } catch (IllegalArgumentException e) {
            if (!builder.hasItem(item)) {
                throw new BadRow("item " + item + " is not in " + catalogueFile);
            }
            throw new BadRow(e.getMessage());
        }
    }

    private static void checkHeader(Path file, String expected) {
        String first = LoadContext.firstLine(file, StandardCharsets.UTF_8);
        String actual = first == null ? "" : first.strip().replace("\uFEFF", "");
        if (!actual.equals(expected)) {
            throw new MalformedDataException(
                    file, 1, "expected header '" + expected + "' but found '" + actual + "'");
        }
    }

    /**
     * Writes {@code data} in the MovieLens 100K layout ({@code u.data}, {@code u.item}, {@code
     * u.genre}) into {@code dir}, creating it if needed and replacing those three files, so that
     * {@link #load100k} reads back the same users, items, titles, genres, ratings and timestamps.
     *
     * @throws IllegalArgumentException if a rating is not a whole number from 1 to 5, an id or
     *     title holds {@code |} or a tab, or a title cannot be written in ISO-8859-1
     * @throws UncheckedIOException if a file cannot be written
     */
    public static void write100k(Interactions data, Path dir) {
        Objects.requireNonNull(data, "data");
        List<String> genres = data.genres();
        try {
            Files.createDirectories(dir);
            try (Writer out = latin1Writer(dir.resolve("u.genre"))) {
                for (int g = 0; g < genres.size(); g++) {
                    out.write(checkField(genres.get(g), "genre") + "|" + g + "\n");
                }
            }
            Map<String, Integer> genreIndex = new LinkedHashMap<>();
            for (int g = 0; g < genres.size(); g++) {
                genreIndex.put(genres.get(g), g);
            }
            try (Writer out = latin1Writer(dir.resolve("u.item"))) {
                StringBuilder line = new StringBuilder(128);
                char[] flags = new char[genres.size()];
                for (int i = 0; i < data.numItems(); i++) {
                    ItemInfo info = data.itemInfo(i);
                    java.util.Arrays.fill(flags, '0');
                    for (String g : info.genres()) {
                        Integer gi = genreIndex.get(g);
                        if (gi == null) {
                            throw new IllegalArgumentException(
                                    "item "
                                            + info.id()
                                            + " has genre '"
                                            + g
                                            + "' that is not in the genre list "
                                            + genres);
                        }
                        flags[gi] = '1';
                    }
                    line.setLength(0);
                    line.append(checkField(info.id(), "item id"))
                            .append('|')
                            .append(checkField(info.title(), "title"))
                            .append("|||");
                    for (char flag : flags) {
                        line.append('|').append(flag);
                    }
                    out.write(line.append('\n').toString());
                }
            }
            try (Writer out =
                    new BufferedWriter(
                            new OutputStreamWriter(
                                    Files.newOutputStream(dir.resolve("u.data")),
                                    StandardCharsets.US_ASCII),
                            1 << 16)) {
                StringBuilder line = new StringBuilder(64);
                for (int r = 0; r < data.size(); r++) {
                    float v = data.value(r);
                    if (v != Math.rint(v) || v < 1 || v > 5) {
                        throw new IllegalArgumentException(
                                "row "
                                        + r
                                        + " has rating "
                                        + v
                                        + "; MovieLens 100K holds whole ratings from 1 to 5");
                    }
                    line.setLength(0);
                    line.append(checkField(data.users().id(data.user(r)), "user id"))
                            .append('\t')
                            .append(data.items().id(data.item(r)))
                            .append('\t')
                            .append((int) v)
                            .append('\t')
                            .append(data.timestamp(r))
                            .append('\n');
                    out.write(line.toString());
                }
            }
        } catch (IOException e) {
            if (e instanceof java.nio.charset.CharacterCodingException) {
                throw new IllegalArgumentException(
                        "a title or genre cannot be written in ISO-8859-1 (u.item's encoding)", e);
            }
            throw new UncheckedIOException("cannot write MovieLens 100K files to " + dir, e);
        }
    }

    private static Writer latin1Writer(Path file) throws IOException {
        CharsetEncoder encoder =
                LATIN_1.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedWriter(
                new OutputStreamWriter(Files.newOutputStream(file), encoder), 1 << 16);
    }

    private static String checkField(String value, String what) {
        if (value.indexOf('|') >= 0 || value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(
                    what + " '" + value + "' holds '|', a tab or a line break");
        }
        return value;
    }
}
