package dev.maas.cli;

import static dev.maas.cli.MainTest.args;
import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.data.SampleCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code maas compress} on a model trained and published by the command line. */
class CompressCommandTest {
    @TempDir static Path shared;
    static Path data;
    static Path root;

    @BeforeAll
    static void trainAndPublish() {
        data = shared.resolve("ml");
        SampleCatalog.builder()
                .users(60)
                .items(120)
                .ratings(3000)
                .minRatingsPerUser(10)
                .seed(5)
                .build()
                .writeMovieLens100k(data);
        root = shared.resolve("repo");
        MainTest.Run train =
                run(
                        args(
                                root,
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "2",
                                "--factors",
                                "32",
                                "--name",
                                "films"));
        assertThat(train.status()).as(train.err()).isZero();
        MainTest.Run publish =
                run(args(root, "publish", "--name", "films", "--alias", "production"));
        assertThat(publish.status()).as(publish.err()).isZero();
    }

    @Test
    void int8_printsTheReport_publishesADerivedVersion_andMovesTheAlias() throws Exception {
        Path json = shared.resolve("report.json");
        MainTest.Run r =
                run(
                        args(
                                root,
                                "compress",
                                "films@production",
                                "--int8",
                                "--publish",
                                "--alias",
                                "production",
                                "--json",
                                json.toString()));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Compressing films:1")
                .contains("quantize scheme=int8-symmetric-per-row")
                .contains("bytes")
                .contains("ndcg@10")
                .contains("top10-overlap")
                .contains("us/item at batch 1")
                .contains("us/item at batch 64")
                .contains("Published films:2 (derived from films:1)")
                .contains("films@production -> films:2");
        assertThat(Files.readString(json)).contains("\"technique\": \"quantize\"");
        try (ModelService maas = ModelService.builder().root(root).build()) {
            ModelCard v2 = maas.resolve(ModelRef.parse("films@production"));
            assertThat(v2.version()).isEqualTo(2);
            assertThat(v2.derivedFrom()).isEqualTo(ModelRef.of("films", 1));
            assertThat(v2.properties()).containsKey("compression.report");
        }
        // The compressed version still knows its data: evaluate works on it.
        MainTest.Run eval = run(args(root, "evaluate", "--model", "films:2"));
        assertThat(eval.status()).as(eval.err()).isZero();

        MainTest.Run newModel =
                run(
                        args(
                                root,
                                "compress",
                                "films:1",
                                "--rank",
                                "8",
                                "--publish",
                                "--name",
                                "films-small"));
        assertThat(newModel.status()).as(newModel.err()).isZero();
        assertThat(newModel.out())
                .contains("low-rank rank=8 dim=32->8")
                .contains("Published films-small:1 (derived from films:1)");
    }

    @Test
    void distillAndHalfPrecision_reportWithoutPublishing() {
        MainTest.Run distill =
                run(
                        args(
                                root,
                                "compress",
                                "films:1",
                                "--distill",
                                "--factors",
                                "8",
                                "--epochs",
                                "3"));
        assertThat(distill.status()).as(distill.err()).isZero();
        assertThat(distill.out()).contains("distill factors=8 epochs=3").contains("dim=32->8");
        assertThat(distill.out()).doesNotContain("Published");
        MainTest.Run fp16 = run(args(root, "compress", "films:1", "--fp16"));
        assertThat(fp16.status()).as(fp16.err()).isZero();
        // Half the bytes of the tensors; the file header is the same size in both.
        assertThat(fp16.out())
                .contains("quantize scheme=float16")
                .containsPattern("bytes +\\d+ +\\d+ +(1\\.9\\d|2\\.00)x");
    }

    @Test
    void badSettings_failWithOneClearLine_andPublishNothing() {
        int versions;
        try (ModelService maas = ModelService.builder().root(root).build()) {
            versions = maas.versions("films").size();
        }
        MainTest.Run sparsity =
                run(args(root, "compress", "films:1", "--prune", "1.5", "--publish"));
        assertThat(sparsity.status()).isEqualTo(Main.FAILED);
        assertThat(sparsity.err()).contains("prune setting 'sparsity' must be in [0, 1), was 1.5");

        MainTest.Run rank = run(args(root, "compress", "films:1", "--rank", "80", "--publish"));
        assertThat(rank.status()).isEqualTo(Main.FAILED);
        assertThat(rank.errLines()).hasSize(1);
        assertThat(rank.err())
                .contains("low-rank setting 'rank' is 80, larger than layer 'item_factors'");

        MainTest.Run two = run(args(root, "compress", "films:1", "--int8", "--fp16"));
        assertThat(two.status()).isNotZero();

        MainTest.Run alias = run(args(root, "compress", "films:1", "--int8", "--alias", "x"));
        assertThat(alias.status()).isEqualTo(Main.FAILED);
        assertThat(alias.err()).contains("--name and --alias need --publish");

        try (ModelService maas = ModelService.builder().root(root).build()) {
            assertThat(maas.versions("films")).hasSize(versions);
            assertThat(maas.models()).doesNotContain("x");
        }
    }
}
