package dev.maas.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelService;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.ScoredItem;
import dev.maas.recommend.data.SampleCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the command line in-process on a small generated MovieLens-format data set. */
class MainTest {
    @TempDir static Path shared;
    @TempDir Path tmp;

    static Path small;

    /** What one run of the command line printed and returned. */
    record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    @BeforeAll
    static void generateData() {
        small = shared.resolve("small-ml");
        SampleCatalog.builder()
                .users(60)
                .items(120)
                .ratings(3000)
                .minRatingsPerUser(10)
                .seed(5)
                .build()
                .writeMovieLens100k(small);
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(status, out.toString(), err.toString());
    }

    static String[] args(Path root, String... rest) {
        List<String> a = new ArrayList<>(List.of(rest));
        a.add("--root");
        a.add(root.toString());
        return a.toArray(new String[0]);
    }

    @Test
    void help_listsEveryCommand() {
        Run r = run("--help");

        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("demo", "train", "evaluate", "publish", "models", "recommend");
    }

    @Test
    void unknownOption_isAUsageError() {
        Run r = run("models", "--colour");

        assertThat(r.status()).isEqualTo(Main.USAGE);
        assertThat(r.err())
                .startsWith("maas: error: Unknown option: '--colour'")
                .contains("Try 'maas models --help'");
    }

    @Test
    void train_dataFolderWithoutMovieLensFiles_failsWithOneClearLine() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-movielens"));
        Files.writeString(empty.resolve("notes.txt"), "hello");

        Run r = run(args(tmp.resolve("repo"), "train", "--data", empty.toString()));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines())
                .containsExactly(
                        "maas: error: --data folder "
                                + empty
                                + " holds no MovieLens ratings: expected u.data (MovieLens 100K)"
                                + " or ratings.csv (MovieLens latest/20M/25M/32M)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void train_missingDataFolder_failsWithOneClearLine() {
        Path missing = tmp.resolve("nowhere");

        Run r = run(args(tmp.resolve("repo"), "train", "--data", missing.toString()));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines())
                .containsExactly("maas: error: --data folder " + missing + " does not exist");
    }

    @Test
    void train_malformedRatings_areSkippedAndReported() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("dirty"));
        Files.copy(small.resolve("u.item"), data.resolve("u.item"));
        List<String> lines = new ArrayList<>(Files.readAllLines(small.resolve("u.data")));
        lines.add(3, "1\tnot-a-number\t5\t881250949");
        Files.write(data.resolve("u.data"), lines);

        Run r =
                run(
                        args(
                                tmp.resolve("repo"),
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "1",
                                "--factors",
                                "4"));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("skipped 1").contains("u.data");
    }

    @Test
    void trainPublishModelsRecommendEvaluate_onSmallData() throws Exception {
        Path root = tmp.resolve("repo");

        Run train =
                run(
                        args(
                                root,
                                "train",
                                "--data",
                                small.toString(),
                                "--epochs",
                                "2",
                                "--factors",
                                "8",
                                "--name",
                                "films"));
        assertThat(train.status()).as(train.err()).isZero();
        assertThat(train.out())
                .contains("Training biased MF: 8 factors, up to 2 epochs")
                .contains("epoch   1/2")
                .contains("loss ")
                .contains("ex/s")
                .contains("popularity")
                .contains("biased MF")
                .contains("Saved to " + root.resolve("runs").resolve("films"));

        Run publish = run(args(root, "publish", "--name", "films", "--alias", "production"));
        assertThat(publish.status()).as(publish.err()).isZero();
        assertThat(publish.out())
                .contains("Published films:1")
                .contains("task recommendation")
                .contains("films@production -> films:1");

        Run models = run(args(root, "models"));
        assertThat(models.status()).isZero();
        assertThat(models.out()).contains("films").contains("production->1").contains("rmse ");

        Run details = run(args(root, "models", "films"));
        assertThat(details.out())
                .contains("films:1  (production)")
                .contains("data: 60 users, 120 items");

        Run recommend =
                run(
                        args(
                                root,
                                "recommend",
                                "--model",
                                "films@production",
                                "--user",
                                "1",
                                "-k",
                                "3"));
        assertThat(recommend.status()).as(recommend.err()).isZero();
        List<String> expectedTitles;
        try (ModelService maas = ModelService.builder().root(root).build()) {
            Recommendations r = Recommender.open(maas, "films@production").recommend("1", 3);
            expectedTitles = r.items().stream().map(ScoredItem::title).toList();
        }
        assertThat(expectedTitles).hasSize(3);
        List<String> listed =
                recommend.out().lines().filter(l -> l.matches("\\s+\\d+\\. .*")).toList();
        assertThat(listed).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(listed.get(i)).contains(Format.cut(expectedTitles.get(i), 44));
        }

        Run cold = run(args(root, "recommend", "--model", "films", "--user", "stranger"));
        assertThat(cold.out()).contains("user not in the training data: most popular items");

        Run similar = run(args(root, "recommend", "--model", "films", "--similar", "999999"));
        assertThat(similar.status()).isEqualTo(Main.FAILED);
        assertThat(similar.errLines()).hasSize(1);
        assertThat(similar.err())
                .startsWith("maas: error: unknown item '999999' for model films:1");

        Run evalRun = run(args(root, "evaluate", "--run", "films"));
        assertThat(evalRun.status()).as(evalRun.err()).isZero();
        assertThat(evalRun.out()).contains("Evaluating run films").contains("popularity");

        Run evalModel =
                run(args(root, "evaluate", "--model", "films@production", "--protocol", "sampled"));
        assertThat(evalModel.status()).as(evalModel.err()).isZero();
        assertThat(evalModel.out()).contains("Evaluating films:1").contains("sampled");
    }

    @Test
    void recommend_unknownModel_failsWithOneClearLine() {
        Run r =
                run(
                        args(
                                tmp.resolve("repo"),
                                "recommend",
                                "--model",
                                "ghost@production",
                                "--user",
                                "1"));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("maas: error: ").contains("ghost");
    }

    @Test
    void publish_withoutARun_saysHowToMakeOne() {
        Run r = run(args(tmp.resolve("repo"), "publish", "--name", "tv"));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.err()).contains("no trained run 'tv'").contains("maas train --name tv");
    }

    @Test
    void models_onAnEmptyRepository_saysWhatToDo() {
        Run r = run(args(tmp.resolve("repo"), "models"));

        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("No models in").contains("maas demo");
    }

    @Test
    void demo_trainsAndPublishesOnce_thenReusesThePublishedModel() {
        Path root = tmp.resolve("repo");
        String[] demo =
                args(root, "demo", "--data", small.toString(), "--epochs", "2", "--calls", "200");

        Run first = run(demo);
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.out())
                .contains("Training BPR MF")
                .contains("Published movies:1")
                .contains("movies@production -> movies:1")
                .contains("User 1 rated highly:")
                .contains("popularity fallback")
                .contains("Items similar to")
                .contains("recommend        200 calls  p50");

        Run second = run(demo);
        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.out())
                .contains("Reusing movies:1 (movies@production")
                .doesNotContain("Training BPR MF")
                .contains("p99");
    }

    /** The version folders published for {@code name} under {@code root}, in no order. */
    static List<String> versionFolders(Path root, String name) throws IOException {
        Path dir = root.resolve("models").resolve(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d+"))
                    .toList();
        }
    }

    private static Run trainSmall(Path root, String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                small.toString(),
                                "--epochs",
                                "1",
                                "--factors",
                                "4",
                                "--name",
                                "films"));
        a.addAll(List.of(more));
        return run(args(root, a.toArray(new String[0])));
    }

    @Test
    void publish_invalidAlias_failsBeforePublishingAnything() throws IOException {
        Path root = tmp.resolve("repo");
        assertThat(trainSmall(root).status()).isZero();

        Run r = run(args(root, "publish", "--name", "films", "--alias", "Prod/../x"));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("maas: error: invalid alias 'Prod/../x'");
        assertThat(r.out()).isEmpty();
        assertThat(versionFolders(root, "films")).isEmpty();
    }

    @Test
    void trainPublish_invalidAlias_failsBeforeTraining() throws IOException {
        Path root = tmp.resolve("repo");

        Run r = trainSmall(root, "--publish", "--alias", "Production");

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("maas: error: invalid alias 'Production'");
        assertThat(r.out()).isEmpty();
        assertThat(root.resolve("runs").resolve("films")).doesNotExist();
        assertThat(versionFolders(root, "films")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "-k|0|-k must be > 0, was 0",
                "--threads|100000|--threads must be between 1 and 256 (the most a training"
                        + " accepts), was 100000",
                "--threads|0|--threads must be between 1 and 256",
                "--epochs|0|invalid training option: epochs must be >= 1, was 0",
                "--learning-rate|-1|invalid training option: learningRate must be positive",
                "--test-fraction|1.5|--test-fraction must be between 0 and 1",
                "--split|sideways|--split must be 'random', 'last' or a MovieLens 100K split"
                        + " (u1..u5, ua, ub), was 'sideways'",
                "--model|svd|unknown model 'svd'"
            })
    void train_invalidOption_failsBeforeAnyWork(String option, String value, String message) {
        Path root = tmp.resolve("repo");

        Run r = run(args(root, "train", "--data", small.toString(), option, value));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("maas: error: " + message);
        assertThat(r.out()).as("nothing loaded or trained").isEmpty();
        assertThat(root).doesNotExist();
    }

    @Test
    void trainHelp_statesTheThreadDefaultTheCodeUses() {
        Run r = run("train", "--help");

        String help = r.out().replaceAll("\\s+", " ");
        assertThat(help).contains("PyTorch threads for training, 1 to 256 (default 1:");
        assertThat(help).doesNotContain("all cores");
    }

    @Test
    void recommend_emptyOrBlankUser_isRefused_notAnsweredWithPopularItems() {
        Path root = tmp.resolve("repo");
        Run train = trainSmall(root, "--publish");
        assertThat(train.status()).as(train.err()).isZero();

        for (String user : List.of("", "  ")) {
            Run r = run(args(root, "recommend", "--model", "films", "--user", user));

            assertThat(r.status()).as("--user '%s'", user).isEqualTo(Main.FAILED);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err())
                    .startsWith(
                            "maas: error: --user is "
                                    + (user.isEmpty() ? "empty" : "blank")
                                    + ": expected a user id");
            assertThat(r.out()).isEmpty();
        }
        Run similar = run(args(root, "recommend", "--model", "films", "--similar", ""));
        assertThat(similar.status()).isEqualTo(Main.FAILED);
        assertThat(similar.errLines())
                .containsExactly(
                        "maas: error: --similar is empty: expected an item id, such as --similar"
                                + " 50");
    }

    @Test
    void demo_emptyUserId_isRefusedBeforeTraining() {
        Path root = tmp.resolve("repo");

        Run r = run(args(root, "demo", "--data", small.toString(), "--users", "1,,2"));

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines())
                .containsExactly(
                        "maas: error: --users holds an empty id: expected user ids separated by"
                                + " commas, such as --users 1,2,3");
        assertThat(r.out()).isEmpty();
        assertThat(root).doesNotExist();
    }

    @Test
    void train_missingItemFileAndRepeatedRatings_areNotedInTheDataSummary() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("no-titles"));
        List<String> lines = new ArrayList<>(Files.readAllLines(small.resolve("u.data")));
        int original = lines.size();
        lines.addAll(lines.subList(0, 5)); // the same five ratings once more
        Files.write(data.resolve("u.data"), lines);

        Run r =
                run(
                        args(
                                tmp.resolve("repo"),
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "1",
                                "--factors",
                                "4"));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(original + " interactions")
                .contains(
                        "note: dropped 5 duplicate ratings (a user rating an item again): kept"
                                + " the latest of each")
                .contains(
                        "note: no u.item in "
                                + data
                                + ": items have no titles or genres (their ids are shown"
                                + " instead)");
    }

    @Test
    void train_removesLeftoversOfKilledRunsOlderThanADay_andKeepsRecentOnes() throws IOException {
        Path root = tmp.resolve("repo");
        Path runs = Files.createDirectories(root.resolve("runs"));
        Path stale = Files.createDirectories(runs.resolve(".films-1234"));
        Files.write(stale.resolve("factors.bin"), new byte[1024]);
        FileTime twoDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
        Files.setLastModifiedTime(stale.resolve("factors.bin"), twoDaysAgo);
        Files.setLastModifiedTime(stale, twoDaysAgo);
        Path recent = Files.createDirectories(runs.resolve(".films-5678"));
        Files.write(recent.resolve("factors.bin"), new byte[16]);

        Run r = trainSmall(root);

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(stale).doesNotExist();
        assertThat(recent).exists();
        assertThat(runs.resolve("films")).isDirectory();
    }

    @Test
    void train_failureAfterWritingTheRun_leavesNoPartialFolder() throws IOException {
        Path root = tmp.resolve("repo");
        TrainCommand.afterStaging =
                folder -> {
                    assertThat(folder).isDirectory();
                    throw new UncheckedIOException(
                            new IOException("No space left on device (simulated)"));
                };
        Run r;
        try {
            r = trainSmall(root);
        } finally {
            TrainCommand.afterStaging = folder -> {};
        }

        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.err()).contains("No space left on device (simulated)");
        try (Stream<Path> left = Files.list(root.resolve("runs"))) {
            assertThat(left.map(p -> p.getFileName().toString())).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void root_emptyOrBlank_isRefused_insteadOfMeaningTheCurrentFolder(String root) {
        Path cwd = Path.of("").toAbsolutePath();

        Run models = run("models", "--root", root);
        Run train = run("train", "--root", root, "--data", small.toString(), "--epochs", "1");

        for (Run r : List.of(models, train)) {
            assertThat(r.status()).isEqualTo(Main.FAILED);
            assertThat(r.errLines())
                    .containsExactly(
                            "maas: error: --root is "
                                    + (root.isEmpty() ? "empty" : "blank")
                                    + ": expected a folder (leave --root out to use $MAAS_ROOT,"
                                    + " else ~/.maas)");
            assertThat(r.out()).isEmpty();
        }
        assertThat(cwd.resolve("models")).doesNotExist();
        assertThat(cwd.resolve("runs")).doesNotExist();
    }
}
