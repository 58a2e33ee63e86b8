package dev.maas.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.recommend.data.SampleCatalog;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the {@code ./maas} launcher script of this checkout in a child process. The script is copied
 * next to a stand-in jar and a class path file listing this test's class path, so it starts the
 * classes under test without building anything.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class LauncherTest {
    /** Bounds for the child to reach a state; generous, as the machine may be busy. */
    private static final Duration STARTED = Duration.ofSeconds(120);

    private static final Duration GONE = Duration.ofSeconds(30);
    private static final Pattern EPOCH_LINE = Pattern.compile("(?m)^\\s+epoch\\s+\\d+/");

    @TempDir Path tmp;

    private Path launcher;
    private Path data;
    private final List<ProcessHandle> started = new ArrayList<>();

    @BeforeEach
    void installLauncher() throws IOException {
        Path script = Path.of("..", "maas").toAbsolutePath().normalize();
        assertThat(script).as("the launcher of this checkout").isRegularFile();
        Path home = Files.createDirectories(tmp.resolve("checkout"));
        launcher = home.resolve("maas");
        Files.copy(script, launcher, StandardCopyOption.COPY_ATTRIBUTES);
        launcher.toFile().setExecutable(true);
        Path target = Files.createDirectories(home.resolve("maas-cli").resolve("target"));
        try (OutputStream jar = Files.newOutputStream(target.resolve("maas-cli.jar"));
                JarOutputStream empty = new JarOutputStream(jar, new Manifest())) {
            // An empty jar: the classes come from the class path file.
        }
        Files.writeString(
                target.resolve("classpath.txt"), System.getProperty("java.class.path") + "\n");
        data = tmp.resolve("data");
        SampleCatalog.builder()
                .users(60)
                .items(120)
                .ratings(3000)
                .minRatingsPerUser(10)
                .seed(5)
                .build()
                .writeMovieLens100k(data);
    }

    @AfterEach
    void stopLeftovers() {
        // Only needed when a test failed: what outlived a killed launcher is stopped here.
        for (ProcessHandle p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process start(Path out, Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("MAAS_JAVA_OPTS", "-Xmx512m");
        env.remove("MAAS_ROOT");
        env.remove("MAAS_DEBUG");
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        env.put("PATH", javaBin + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p.toHandle());
        return p;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void killingTheLauncher_stopsTheCommand_andNothingIsPublished(boolean forcibly)
            throws Exception {
        Path root = tmp.resolve("repo");
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        // A training that runs for minutes: a learning rate so small that every epoch still
        // improves the validation error, so early stopping does not end it.
        Process launched =
                start(
                        out,
                        err,
                        "train",
                        "--root",
                        root.toString(),
                        "--data",
                        data.toString(),
                        "--factors",
                        "4",
                        "--epochs",
                        "1000000",
                        "--learning-rate",
                        "0.00001",
                        "--publish",
                        "--alias",
                        "production");
        long deadline = System.nanoTime() + STARTED.toNanos();
        while (!EPOCH_LINE.matcher(Files.readString(out)).find()) {
            assertThat(launched.isAlive())
                    .as("the command ended before training: %s", Files.readString(err))
                    .isTrue();
            assertThat(System.nanoTime()).as("training did not start in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        List<ProcessHandle> family = new ArrayList<>(launched.descendants().toList());
        started.addAll(family);
        family.add(launched.toHandle());

        if (forcibly) {
            launched.destroyForcibly(); // SIGKILL
        } else {
            launched.destroy(); // SIGTERM
        }

        assertThat(launched.waitFor(GONE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (ProcessHandle p : family) {
            try {
                p.onExit().get(GONE.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // Reported below with the process's command line.
            }
            assertThat(p.isAlive())
                    .as(
                            "process %d (%s) outlived the killed launcher",
                            p.pid(), p.info().command().orElse("?"))
                    .isFalse();
        }
        assertThat(root.resolve("models").resolve("movies").resolve("1")).doesNotExist();
        assertThat(Files.readString(out)).doesNotContain("Published");
    }

    @ParameterizedTest
    @ValueSource(strings = {"models --colour", "models"})
    void launcher_keepsExitStatusAndStderrFilter_andStderrIsCompleteAtExit(String command)
            throws Exception {
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--root");
        args.add(tmp.resolve("repo").toString());

        Process p = start(out, err, args.toArray(new String[0]));

        assertThat(p.waitFor(STARTED.toSeconds(), TimeUnit.SECONDS)).isTrue();
        // Read as soon as the status is known: the filter has passed on every line by then.
        String stderr = Files.readString(err);
        assertThat(stderr).doesNotContain("Using incubator modules");
        if (command.contains("--colour")) {
            assertThat(p.exitValue()).isEqualTo(Main.USAGE);
            assertThat(stderr.lines())
                    .containsExactly(
                            "maas: error: Unknown option: '--colour'",
                            "Try 'maas models --help' for usage.");
        } else {
            assertThat(p.exitValue()).as(stderr).isZero();
            assertThat(Files.readString(out)).startsWith("No models in");
        }
    }
}
