package dev.maas.benchmarks;

import dev.maas.recommend.data.BadRowPolicy;
import dev.maas.recommend.data.CsvInteractionsLoader;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.LoadResult;
import dev.maas.recommend.data.MovieLens;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long loading a large MovieLens-latest folder takes: {@code ratings.csv} with {@code rows}
 * ratings and {@code movies.csv} with 60,000 movies whose titles are quoted (commas, doubled
 * quotes), generated once per trial into a temporary folder.
 *
 * <ul>
 *   <li>{@code movieLensLatest}: {@link MovieLens#loadLatest}, both files, duplicates checked.
 *   <li>{@code csvLoader}: {@link CsvInteractionsLoader} on {@code ratings.csv}, columns by header
 *       name.
 * </ul>
 *
 * <p>The score is the time of one whole load (single shot: each load reads the files anew, the page
 * cache keeps them in memory after the first). Run (after {@code mvn -pl maas-benchmarks -am
 * package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar CsvLoadBenchmark -f 1 -wi 2 -i 5
 * java -jar maas-benchmarks/target/maas-benchmarks.jar CsvLoadBenchmark -p rows=5000000
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dai.djl.offline=true"})
public class CsvLoadBenchmark {
    private static final int MOVIES = 60_000;
    private static final int USERS = 200_000;

    @Param({"2000000"})
    public int rows;

    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("maas-csv-bench-");
        Random rnd = new Random(42);
        try (Writer out = writer(dir.resolve("movies.csv"))) {
            out.write("movieId,title,genres\n");
            String[] genres = {"Action", "Comedy", "Drama", "Romance", "Thriller", "Sci-Fi"};
            for (int m = 1; m <= MOVIES; m++) {
                out.write(Integer.toString(m));
                out.write(',');
                out.write(title(m, rnd));
                out.write(',');
                out.write(genres[m % genres.length]);
                if (m % 3 == 0) {
                    out.write('|');
                    out.write(genres[(m / 3) % genres.length]);
                }
                out.write('\n');
            }
        }
        try (Writer out = writer(dir.resolve("ratings.csv"))) {
            out.write("userId,movieId,rating,timestamp\n");
            StringBuilder line = new StringBuilder(64);
            int user = 1;
            for (int r = 0; r < rows; r++) {
                // Users rate runs of distinct movies, as in the real files (sorted by user).
                if (r % 10 == 0) {
                    user = 1 + rnd.nextInt(USERS);
                }
                int movie = 1 + (int) ((r * 7919L + user * 104729L) % MOVIES);
                line.setLength(0);
                line.append(user)
                        .append(',')
                        .append(movie)
                        .append(',')
                        .append(0.5f * (1 + rnd.nextInt(10)))
                        .append(',')
                        .append(1_000_000_000L + rnd.nextInt(500_000_000))
                        .append('\n');
                out.write(line.toString());
            }
        }
    }

    private static String title(int m, Random rnd) {
        String base = "Movie " + m + " (" + (1930 + rnd.nextInt(90)) + ")";
        return switch (m % 4) {
            case 0 -> "\"" + base.replace("Movie", "Movie, The") + "\"";
            case 1 -> "\"The \"\"Quoted\"\" " + base + "\"";
            default -> base;
        };
    }

    private static Writer writer(Path file) throws IOException {
        return new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Loads both files of the MovieLens-latest layout. */
    @Benchmark
    public LoadResult<Interactions> movieLensLatest() {
        return MovieLens.loadLatest(dir, BadRowPolicy.STRICT);
    }

    /** Loads {@code ratings.csv} through the general delimited-file loader. */
    @Benchmark
    public LoadResult<Interactions> csvLoader() {
        return CsvInteractionsLoader.builder(dir.resolve("ratings.csv"))
                .userColumn("userId")
                .itemColumn("movieId")
                .valueColumn("rating")
                .timestampColumn("timestamp")
                .build()
                .load();
    }
}
