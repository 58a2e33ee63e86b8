package dev.maas.cli;

import static dev.maas.cli.MainTest.args;
import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.cli.MainTest.Run;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new models, the MovieLens 100K predefined splits and cross-validation from the command line,
 * on a tiny data set in the MovieLens 100K format (test resource {@code ml100k-format}).
 */
class QualityCommandsTest {
    static Path fixture;
    @TempDir Path tmp;

    @BeforeAll
    static void fixture() throws URISyntaxException {
        fixture =
                Path.of(QualityCommandsTest.class.getResource("/ml100k-format/u.data").toURI())
                        .getParent();
    }

    /** The repository every test works in. */
    private Path repo() {
        return tmp.resolve("repo");
    }

    /** Runs {@code command} in {@link #repo()} on the fixture data, with {@code options} after. */
    private Run onFixture(String command, String... options) {
        String[] a = new String[options.length + 3];
        a[0] = command;
        a[1] = "--data";
        a[2] = fixture.toString();
        System.arraycopy(options, 0, a, 3, options.length);
        return run(args(repo(), a));
    }

    @Test
    void train_onAPredefinedSplit_thenEvaluateRebuildsIt() {
        Run train = onFixture("train", "--split", "u1", "--model", "ease", "--name", "films");
        assertThat(train.status()).as(train.err()).isZero();
        assertThat(train.out())
                .contains("MovieLens 100K predefined split u1: 832 train, 208 test")
                .contains("Training EASE: closed form, lambda 500.0")
                .contains("solved in closed form")
                .containsPattern("EASE +- +- +\\d\\.\\d{4} +0\\.\\d{4}");
        Run evaluate = run(args(repo(), "evaluate", "--run", "films"));
        assertThat(evaluate.status()).as(evaluate.err()).isZero();
        assertThat(evaluate.out()).contains("predefined split u1: 832 train, 208 test");
    }

    @Test
    void train_svdppOnSplitUa_reportsRmse() {
        Run r = onFixture("train", "--split", "ua", "--model", "svdpp", "--epochs", "3");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("predefined split ua: 920 train, 120 test")
                .contains("Training SVD++: 32 factors, up to 3 epochs")
                .containsPattern("SVD\\+\\+ +\\d\\.\\d{4}");
    }

    @Test
    void evaluate_crossValidatesOnTheFivePredefinedSplits() {
        Run r =
                onFixture(
                        "evaluate", "--folds", "ml100k", "--models", "ease,svdpp", "--epochs", "3");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("5 predefined splits x 1 seed")
                .containsPattern("EASE +- +0\\.\\d{4} ± 0\\.\\d{4}")
                .containsPattern("SVD\\+\\+ +\\d\\.\\d{4} ± 0\\.\\d{4}")
                .contains("p = two-sided paired t-test over users");
    }

    @Test
    void evaluate_kFoldWithSeeds_printsMeanStdAndPairedTests() {
        Run r =
                onFixture(
                        "evaluate",
                        "--folds",
                        "3",
                        "--seeds",
                        "2",
                        "--models",
                        "ials,ease",
                        "--epochs",
                        "3");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("3-fold cross-validation x 2 seeds (seeds 42..43), 6 runs per model")
                .contains("seed 2/2, fold 3: EASE")
                .containsPattern("iALS +- +0\\.\\d{4} ± 0\\.\\d{4}.*\\(p ");
    }

    @Test
    void evaluate_moreFoldsThanUsers_failsWithOneClearLine() {
        Run r = onFixture("evaluate", "--folds", "41");
        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines())
                .containsExactly(
                        "maas: error: cannot cross-validate: folds (41) must not exceed the number"
                                + " of users with interactions (40): choose at most 40 folds");
    }

    @Test
    void badQualityOptions_failWithOneClearLine() {
        Path root = repo();
        assertThat(run(args(root, "evaluate", "--folds", "1")).errLines())
                .containsExactly("maas: error: --folds must be at least 2, was 1");
        assertThat(run(args(root, "evaluate", "--folds", "five")).errLines())
                .containsExactly(
                        "maas: error: --folds must be a number of folds (2 or more) or 'ml100k',"
                                + " was 'five'");
        assertThat(run(args(root, "evaluate", "--seeds", "3")).errLines())
                .containsExactly("maas: error: --seeds needs --folds");
        assertThat(run(args(root, "evaluate", "--folds", "ml100k")).errLines())
                .containsExactly(
                        "maas: error: --folds ml100k reads u1.base/u1.test .. u5.base/u5.test:"
                                + " pass the MovieLens 100K folder with --data");
        assertThat(run(args(root, "train", "--split", "u1")).errLines())
                .containsExactly(
                        "maas: error: --split u1 reads u1.base and u1.test: pass the MovieLens"
                                + " 100K folder with --data");
        assertThat(run(args(root, "train", "--model", "knn")).errLines())
                .containsExactly(
                        "maas: error: unknown model 'knn': expected biased-mf, bpr-mf, two-tower,"
                                + " ease, ials or svdpp");
    }

    @Test
    void tune_printsTheTrials_trainsAndPublishesTheWinner_withItsSettingsInTheCard()
            throws Exception {
        Run r =
                onFixture(
                        "tune",
                        "--model",
                        "ease",
                        "--budget",
                        "1s",
                        "--name",
                        "tuned",
                        "--publish");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Tuning EASE for 1.0 s")
                .contains("defaults rung 0")
                .contains("<- best")
                .containsPattern("test NDCG@10: tuned 0\\.\\d{4}, defaults 0\\.\\d{4}")
                .contains("Published tuned:1");
        try (dev.maas.ModelService maas = dev.maas.ModelService.builder().root(repo()).build()) {
            dev.maas.ModelCard card = maas.resolve(dev.maas.ModelRef.parse("tuned:1"));
            assertThat(card.properties())
                    .containsKey("tune.settings")
                    .containsKey("tune.trials")
                    .containsKey("train.l2")
                    .containsEntry("tune.budget-seconds", "1");
        }
    }

    @Test
    void tune_zeroBudget_failsWithOneClearLine() {
        Run r = run(args(repo(), "tune", "--budget", "0s"));
        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines())
                .containsExactly(
                        "maas: error: --budget must be positive (such as 60s): the search needs"
                                + " time for at least the defaults' training, was '0s'");
    }
}
