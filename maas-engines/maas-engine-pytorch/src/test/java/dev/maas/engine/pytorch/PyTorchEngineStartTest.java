package dev.maas.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.testing.DenseModel;
import dev.maas.testing.MatrixTranslator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch sizes its thread pools once per process, when the engine starts: this test runs {@link
 * #main} in a fresh JVM so that the first load there is the one that starts the engine, whatever
 * other tests did in this JVM.
 */
class PyTorchEngineStartTest {
    @TempDir Path tmp;

    @Test
    void threadOptions_sizeThePoolsWhenTheFirstLoadStartsTheEngine() throws Exception {
        List<String> lines = runInFreshJvm(tmp);

        // Defaults on this 2-core machine are 1 inter-op and 2 intra-op threads: ask for others.
        assertThat(lines)
                .contains(
                        "interop=2",
                        "intraop=1",
                        "property.interop=2",
                        "property.intraop=1",
                        // a later model asking for other sizes cannot resize the pools
                        "second.intraop=1",
                        "second.predicts=true");
    }

    /** Loads two models with thread options and prints what PyTorch uses. */
    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        // Written without any engine: the first load below must be what starts PyTorch.
        DenseModel.random(3, 2, 1).writeTorchScript(root.resolve("dense").resolve("dense.pt"));
        EngineOptions options =
                EngineOptions.defaults()
                        .with(EngineOptions.INTER_OP_THREADS, "2")
                        .with(EngineOptions.INTRA_OP_THREADS, "1");
        try (ModelService maas =
                ModelService.builder().root(root.resolve("repo")).engineOptions(options).build()) {
            ModelCard.Builder card = ModelCard.builder("dense");
            maas.publish(ModelPackage.of(card.build(), root.resolve("dense")));
            maas.publish(
                    ModelPackage.of(
                            card.name("dense-two")
                                    .property(EngineOptions.INTRA_OP_THREADS, "2")
                                    .build(),
                            root.resolve("dense")));
            float[][] x = {{1, 2, 3}};
            maas.endpoint("dense").predict(x, new MatrixTranslator());
            System.out.println("interop=" + JniUtils.getNumInteropThreads());
            System.out.println("intraop=" + JniUtils.getNumThreads());
            System.out.println(
                    "property.interop=" + System.getProperty(PyTorchBackend.INTEROP_PROPERTY));
            System.out.println(
                    "property.intraop=" + System.getProperty(PyTorchBackend.INTRA_OP_PROPERTY));
            float[][] y = maas.endpoint("dense-two").predict(x, new MatrixTranslator());
            System.out.println("second.intraop=" + JniUtils.getNumThreads());
            System.out.println("second.predicts=" + (y.length == 1 && y[0].length == 2));
        }
    }

    private static List<String> runInFreshJvm(Path dir) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p =
                new ProcessBuilder(
                                java.toString(),
                                "-Dai.djl.offline=true",
                                "-cp",
                                System.getProperty("java.class.path"),
                                PyTorchEngineStartTest.class.getName(),
                                dir.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).as("child JVM exit code; output:%n%s", out).isZero();
        return out.lines().toList();
    }
}
