package dev.maas.cli;

import static dev.maas.cli.MainTest.args;
import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.recommend.data.SampleCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the command line says about a repository that was tampered with or is not one. */
class RepositoryFaultsCliTest {
    @TempDir static Path shared;
    @TempDir Path tmp;

    /** A small MovieLens-layout data set, generated once. */
    static Path data;

    @BeforeAll
    static void generateData() {
        data = shared.resolve("data");
        SampleCatalog.builder()
                .users(40)
                .items(60)
                .ratings(1200)
                .minRatingsPerUser(10)
                .seed(3)
                .build()
                .writeMovieLens100k(data);
    }

    private static MainTest.Run trainAndPublish(Path root) {
        return run(
                args(
                        root,
                        "train",
                        "--data",
                        data.toString(),
                        "--epochs",
                        "1",
                        "--factors",
                        "4",
                        "--name",
                        "films",
                        "--publish"));
    }

    private static void publishFile(ModelService maas, Path tmp, String name) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg-");
        Files.writeString(dir.resolve("weights.bin"), "weights of " + name);
        maas.publish(ModelPackage.of(ModelCard.builder(name).task("test").build(), dir));
    }

    @Test
    void models_reportsBrokenVersions_andListsEveryOtherModel() throws IOException {
        Path root = tmp.resolve("repo");
        try (ModelService maas = ModelService.builder().root(root).build()) {
            publishFile(maas, tmp, "alpha");
            publishFile(maas, tmp, "mid");
            publishFile(maas, tmp, "mid");
            publishFile(maas, tmp, "zeta");
        }
        Path mid = root.resolve("models/mid");
        Files.writeString(mid.resolve("1/model-card.json"), "garbage");
        Files.delete(mid.resolve("2/model-card.json"));

        MainTest.Run all = run(args(root, "models"));
        assertThat(all.status()).as(all.err()).isZero();
        assertThat(all.out().lines().filter(l -> l.matches("(alpha|mid|zeta) .*"))).hasSize(3);
        assertThat(all.out())
                .contains("mid:1 BROKEN: version 1 of model 'mid' is broken: malformed model card")
                .contains("mid:2 BROKEN: version 2 of model 'mid' is broken: its model card")
                .contains("is missing");

        MainTest.Run one = run(args(root, "models", "mid"));
        assertThat(one.status()).as(one.err()).isZero();
        assertThat(one.out()).contains("mid:1  BROKEN: ").contains("mid:2  BROKEN: ");
    }

    @Test
    void rootThatIsAFileOrADevice_saysWhy() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        for (String root : List.of(file.toString(), "/dev/null")) {
            MainTest.Run r = run("models", "--root", root);
            assertThat(r.status()).isEqualTo(Main.FAILED);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err())
                    .startsWith("maas: error: cannot open model repository at " + root)
                    .contains("not a folder");
        }
    }

    @Test
    void readOnlyCommands_createNothing() {
        Path root = tmp.resolve("nothing-here");
        assertThat(run(args(root, "models")).status()).isZero();
        assertThat(run(args(root, "models", "films")).status()).isEqualTo(Main.FAILED);
        assertThat(run(args(root, "recommend", "--model", "films", "--user", "1")).status())
                .isEqualTo(Main.FAILED);
        assertThat(root).doesNotExist();
    }

    @Test
    void trainAndPublish_createTheRepositoryOwnerOnly() throws IOException {
        Path root = tmp.resolve("fresh/repo");
        MainTest.Run train = trainAndPublish(root);
        assertThat(train.status()).as(train.err()).isZero();

        for (Path dir :
                List.of(
                        tmp.resolve("fresh"),
                        root,
                        root.resolve("runs"),
                        root.resolve("runs/films"),
                        root.resolve("models"),
                        root.resolve("models/films/1"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                    .as("%s", dir)
                    .isEqualTo("rwx------");
        }
        try (Stream<Path> published = Files.walk(root.resolve("models"))) {
            for (Path f : published.filter(Files::isRegularFile).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                        .as("%s", f)
                        .isEqualTo("rw-------");
            }
        }
    }

    /**
     * A tampered artifact, seen through a real process as a user would: one line on standard error,
     * no stack trace from the model cache before it.
     */
    @Test
    void checksumMismatch_printsOneLine_inARealProcess() throws Exception {
        Path root = tmp.resolve("repo");
        MainTest.Run train = trainAndPublish(root);
        assertThat(train.status()).as(train.err()).isZero();
        Path version = root.resolve("models/films/1");
        Path artifact;
        try (Stream<Path> files = Files.list(version)) {
            artifact =
                    files.filter(f -> !f.getFileName().toString().equals("model-card.json"))
                            .filter(Files::isRegularFile)
                            .findFirst()
                            .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(artifact);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(artifact, bytes);

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args(root, "recommend", "--model", "films", "--user", "1")));
        Process p =
                new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

        List<String> lines =
                err.lines()
                        .filter(
                                l ->
                                        !l.equals(
                                                "WARNING: Using incubator modules:"
                                                        + " jdk.incubator.vector"))
                        .toList();
        assertThat(p.exitValue()).as(err).isEqualTo(Main.FAILED);
        assertThat(lines).as(err).hasSize(1);
        assertThat(lines.get(0))
                .startsWith("maas: error: checksum mismatch in films:1 file ")
                .contains(artifact.getFileName().toString());
    }
}
