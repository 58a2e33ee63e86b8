package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.testing.MlpModel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micrometer is an optional dependency: a service built without a registry publishes, batches and
 * predicts in a JVM whose class path has no Micrometer at all.
 */
@Timeout(180)
class WithoutMicrometerTest {
    @TempDir Path tmp;

    @Test
    void servesWithoutMicrometerOnTheClassPath() throws Exception {
        String classPath =
                Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(entry -> !entry.contains("micrometer"))
                        .collect(Collectors.joining(File.pathSeparator));
        assertThat(System.getProperty("java.class.path")).contains("micrometer");
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Dai.djl.offline=true",
                                "-cp",
                                classPath,
                                WithoutMicrometerTest.class.getName(),
                                tmp.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines).contains("micrometer=absent", "predictions=16 correct=16");
    }

    /** Runs in the child JVM: serves a batched MLP and prints what happened. */
    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("micrometer=present");
        } catch (ClassNotFoundException e) {
            System.out.println("micrometer=absent");
        }
        Path root = Path.of(args[0]);
        MlpModel mlp = MlpModel.random(ServingFixtures.IN, ServingFixtures.HIDDEN, 4, 5);
        try (ModelService maas =
                        ModelService.builder()
                                .root(root.resolve("repo"))
                                .serving(ServingOptions.builder().maxBatchSize(4).build())
                                .build();
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ServingFixtures.publishMlp(maas, root, "m", mlp, Map.of());
            Endpoint endpoint = maas.endpoint("m");
            var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<NDList>>();
            var inputs = new java.util.ArrayList<float[][]>();
            for (int i = 0; i < 16; i++) {
                inputs.add(ServingFixtures.input(i, 1));
                futures.add(endpoint.predictAsync(new NDList(manager.create(inputs.get(i)))));
            }
            int correct = 0;
            for (int i = 0; i < 16; i++) {
                float[][] y = ServingFixtures.output(futures.get(i).get(60, TimeUnit.SECONDS));
                correct += ServingFixtures.close(y, mlp.forward(inputs.get(i))) ? 1 : 0;
            }
            System.out.println("predictions=16 correct=" + correct);
        }
    }
}
