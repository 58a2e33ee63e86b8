package dev.maas.cli;

import dev.maas.recommend.DataSummary;
import dev.maas.recommend.data.BadRowPolicy;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.LoadReport;
import dev.maas.recommend.data.LoadResult;
import dev.maas.recommend.data.MalformedDataException;
import dev.maas.recommend.data.MovieLens;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the interactions come from ({@code --data}, else the bundled sample catalogue) and how they
 * are split into train and test.
 */
final class DataOptions {
    /** The folder under the repository root that holds the generated sample catalogue. */
    static final String SAMPLE_DIR = "data/sample";

    /** The source description recorded for the sample catalogue. */
    static final String SAMPLE_SOURCE =
            "sample catalogue (seed " + SampleCatalog.DEFAULT_SEED + ")";

    @Option(
            names = "--data",
            paramLabel = "<folder>",
            description =
                    "MovieLens files to use instead of the sample catalogue: MovieLens 100K"
                            + " (u.data, u.item) or MovieLens latest/20M/25M/32M (ratings.csv,"
                            + " movies.csv); the layout is detected.")
    Path data;

    @Option(
            names = "--split",
            paramLabel = "<kind>",
            defaultValue = "random",
            description =
                    "How to hold out test interactions: random (a random share, see"
                            + " --test-fraction), last (each user's latest interaction), or one"
                            + " of the predefined MovieLens 100K splits u1..u5, ua, ub (uN.base"
                            + " to train, uN.test to test, read from the --data folder)."
                            + " Default: ${DEFAULT-VALUE}.")
    String split;

    /** The predefined MovieLens 100K splits. */
    static final List<String> PREDEFINED = List.of("u1", "u2", "u3", "u4", "u5", "ua", "ub");

    @Option(
            names = "--test-fraction",
            paramLabel = "<share>",
            defaultValue = "0.2",
            description =
                    "Share of interactions held out by --split random. Default: ${DEFAULT-VALUE}.")
    double testFraction;

    @Option(
            names = "--split-seed",
            paramLabel = "<seed>",
            defaultValue = "42",
            description = "Seed of the split. Default: ${DEFAULT-VALUE}.")
    long splitSeed;

    /**
     * Loaded interactions, where they came from, and what the loader has to say about them (rows
     * skipped, duplicates dropped, files missing), one line each.
     */
    record Dataset(Interactions data, String source, Path folder, List<String> notes) {
        Dataset {
            notes = List.copyOf(notes);
        }
    }

    /** A split with its description, ready for the card's data summary. */
    record Prepared(Dataset dataset, Split split, String description) {
        DataSummary summary() {
            Interactions all = dataset.data();
            return new DataSummary(
                    dataset.source(),
                    all.numUsers(),
                    all.numItems(),
                    split.train().size() + split.test().size(),
                    split.train().size(),
                    split.test().size(),
                    description);
        }

        /** Card properties that let {@code maas evaluate} rebuild this split. */
        Map<String, String> cardProperties(DataOptions o) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("source.path", dataset.folder().toString());
            p.put("source.split", o.split);
            p.put("source.test-fraction", Double.toString(o.testFraction));
            p.put("source.split-seed", Long.toString(o.splitSeed));
            return p;
        }
    }

    /** Returns whether the sample catalogue is used (no {@code --data}). */
    boolean sample() {
        return data == null;
    }

    /**
     * Loads the data: the {@code --data} folder, or the sample catalogue, generated into the
     * repository's data folder on first use.
     *
     * @throws CliException if the folder does not exist or holds no MovieLens files
     */
    Dataset load(Path root) {
        if (predefined()) {
            return loadPredefined();
        }
        if (data == null) {
            Path dir = root.resolve(SAMPLE_DIR);
            try {
                PrivateFolders.create(dir.getParent());
            } catch (IOException e) {
                throw new CliException(
                        "cannot create " + dir.getParent() + ": " + Errors.describe(e), e);
            }
            SampleCatalog.defaults().materialize(dir);
            LoadResult<Interactions> r = MovieLens.load100k(dir, BadRowPolicy.STRICT);
            return new Dataset(r.data(), SAMPLE_SOURCE, dir, List.of());
        }
        Path dir = data.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new CliException("--data folder " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException("--data " + dir + " is not a folder");
        }
        MovieLens.Layout layout;
        try {
            layout = MovieLens.detect(dir);
        } catch (MalformedDataException e) {
            throw new CliException(
                    "--data folder "
                            + dir
                            + " holds no MovieLens ratings: expected u.data (MovieLens 100K) or"
                            + " ratings.csv (MovieLens latest/20M/25M/32M)",
                    e);
        }
        LoadResult<Interactions> r = MovieLens.load(dir, BadRowPolicy.SKIP);
        String kind = layout == MovieLens.Layout.ML_100K ? "MovieLens 100K" : "MovieLens";
        return new Dataset(r.data(), kind + " at " + dir, dir, notes(r.report()));
    }

    /** Returns whether {@code --split} names a predefined MovieLens 100K split. */
    boolean predefined() {
        return PREDEFINED.contains(split.toLowerCase(Locale.ROOT));
    }

    /** The split loaded by {@link #loadPredefined}, kept for {@link #prepare}. */
    private Split predefinedSplit;

    /**
     * Loads {@code <split>.base} and {@code <split>.test} from the {@code --data} folder; the
     * dataset's interactions are the training rows (the test rows share their index space).
     */
    private Dataset loadPredefined() {
        String name = split.toLowerCase(Locale.ROOT);
        Path dir = checkedFolder();
        for (String suffix : List.of(".base", ".test")) {
            if (!Files.isRegularFile(dir.resolve(name + suffix))) {
                throw new CliException(
                        "--split "
                                + name
                                + " needs "
                                + name
                                + ".base and "
                                + name
                                + ".test in the --data folder; "
                                + dir.resolve(name + suffix)
                                + " does not exist");
            }
        }
        LoadResult<Split> r = MovieLens.load100kSplit(dir, name, BadRowPolicy.SKIP);
        predefinedSplit = r.data();
        return new Dataset(
                r.data().train(),
                "MovieLens 100K split " + name + " at " + dir,
                dir,
                notes(r.report()));
    }

    private Path checkedFolder() {
        Path dir = data.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new CliException("--data folder " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException("--data " + dir + " is not a folder");
        }
        return dir;
    }

    /** The report's news, one line each: bad rows skipped, duplicates dropped, then its notes. */
    static List<String> notes(LoadReport report) {
        List<String> notes = new ArrayList<>();
        if (report.rowsSkipped() > 0) {
            notes.add(
                    "skipped "
                            + report.rowsSkipped()
                            + " of "
                            + report.rowsRead()
                            + " rows"
                            + (report.firstProblems().isEmpty()
                                    ? ""
                                    : " (first: " + report.firstProblems().get(0) + ")"));
        }
        if (report.duplicatesDropped() > 0) {
            notes.add(report.duplicatesDescription());
        }
        notes.addAll(report.notes());
        return notes;
    }

    /**
     * Checks the split options, so that a wrong value fails before any data is loaded.
     *
     * @throws CliException if an option is out of range
     */
    void validate() {
        String kind = split.toLowerCase(Locale.ROOT);
        if (!kind.equals("random") && !kind.equals("last") && !predefined()) {
            throw new CliException(
                    "--split must be 'random', 'last' or a MovieLens 100K split (u1..u5, ua,"
                            + " ub), was '"
                            + split
                            + "'");
        }
        if (predefined() && data == null) {
            throw new CliException(
                    "--split "
                            + kind
                            + " reads "
                            + kind
                            + ".base and "
                            + kind
                            + ".test: pass the MovieLens 100K folder with --data");
        }
        if (kind.equals("random") && !(testFraction > 0 && testFraction < 1)) {
            throw new CliException(
                    "--test-fraction must be between 0 and 1 (exclusive), was " + testFraction);
        }
    }

    /**
     * Splits the data as the options say.
     *
     * @throws CliException if the options are out of range
     */
    Prepared prepare(Dataset d) {
        validate();
        if (predefined()) {
            if (predefinedSplit == null) {
                load(null);
            }
            return new Prepared(
                    d,
                    predefinedSplit,
                    "MovieLens 100K predefined split " + split.toLowerCase(Locale.ROOT));
        }
        return switch (split.toLowerCase(Locale.ROOT)) {
            case "random" ->
                    new Prepared(
                            d,
                            Splits.randomHoldout(d.data(), testFraction, splitSeed),
                            String.format(
                                    Locale.ROOT,
                                    "random holdout %s%%, seed %d",
                                    trim(testFraction * 100),
                                    splitSeed));
            case "last" ->
                    new Prepared(
                            d,
                            Splits.leaveLastOut(d.data(), splitSeed),
                            "leave last out by time, seed " + splitSeed);
            default ->
                    throw new CliException(
                            "--split must be 'random' or 'last', was '" + split + "'");
        };
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
