package dev.maas.recommend.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Starts fresh JVMs with different flags to check what users get: without {@code --add-modules
 * jdk.incubator.vector} the index silently uses the scalar kernel (and says why when VECTOR is
 * requested explicitly); with AVX2-sized vectors only (as on most x86 servers without AVX-512) the
 * vector kernel runs with 8 lanes. In every case the results equal the scalar kernel's, computed
 * here in the test JVM.
 */
class VectorFallbackTest {

    /** Entry point of the child JVMs: prints the kernel, then the results of a fixed workload. */
    public static void main(String[] args) {
        boolean explicit = args.length > 0 && args[0].equals("vector");
        try (EmbeddingIndex index = workloadIndex(explicit ? Kernel.VECTOR : Kernel.AUTO)) {
            System.out.println("kernel=" + index.kernel() + " lanes=" + VectorSupport.lanes());
            workload(index).forEach(System.out::println);
        } catch (IllegalStateException e) {
            System.out.println("error=" + e.getMessage());
        }
    }

    private static EmbeddingIndex workloadIndex(Kernel kernel) {
        Random rnd = new Random(5);
        int n = 1003;
        int d = 24;
        float[] items = Fixtures.integers(rnd, n * d, 4);
        float[] bias = Fixtures.integers(rnd, n, 10);
        return EmbeddingIndex.builder(items, d)
                .bias(bias)
                .kernel(kernel)
                .precision(Precision.FLOAT32)
                .build();
    }

    /** Exact integer data: every kernel must print exactly the same lines. */
    private static List<String> workload(EmbeddingIndex index) {
        Random rnd = new Random(6);
        List<String> lines = new ArrayList<>();
        float[][] queries = new float[9][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = Fixtures.integers(rnd, index.dimension(), 4);
        }
        for (float[] q : queries) {
            lines.add(index.topK(q, 7).toString());
            lines.add(index.topK(q, 5, Filter.excluding(0, 1, 2, 500, 1002)).toString());
            lines.add(index.topK(q, 5, Filter.candidates(3, 99, 1000, 1001, 17)).toString());
        }
        lines.add(index.topK(queries, 4).toString());
        return lines;
    }

    private static List<String> runChild(String... jvmFlagsThenArgs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        int split = List.of(jvmFlagsThenArgs).indexOf("--");
        command.addAll(List.of(jvmFlagsThenArgs).subList(0, split));
        command.add(VectorFallbackTest.class.getName());
        command.addAll(List.of(jvmFlagsThenArgs).subList(split + 1, jvmFlagsThenArgs.length));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            // The JVM warns about incubator modules and slf4j may mention its provider.
            if (!line.startsWith("WARNING")
                    && !line.startsWith("SLF4J")
                    && !line.contains("INFO")) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static List<String> expected() {
        try (EmbeddingIndex scalar = workloadIndex(Kernel.SCALAR)) {
            return workload(scalar);
        }
    }

    @Test
    void withoutTheModule_autoFallsBackToScalar_withTheSameResults() throws Exception {
        List<String> lines = runChild("--");
        assertThat(lines.get(0)).isEqualTo("kernel=SCALAR lanes=0");
        assertThat(lines.subList(1, lines.size())).isEqualTo(expected());
    }

    @Test
    void withoutTheModule_explicitVectorKernelSaysWhichFlagIsMissing() throws Exception {
        List<String> lines = runChild("--", "vector");
        assertThat(lines)
                .containsExactly(
                        "error=kernel VECTOR is not available: the JVM was started without"
                                + " --add-modules jdk.incubator.vector; use kernel AUTO to fall"
                                + " back to SCALAR");
    }

    @Test
    void with256BitVectors_theVectorKernelUsesEightLanes_withTheSameResults() throws Exception {
        List<String> lines =
                runChild("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32", "--");
        assertThat(lines.get(0)).isEqualTo("kernel=VECTOR lanes=8");
        assertThat(lines.subList(1, lines.size())).isEqualTo(expected());
    }

    @Test
    void with512BitVectors_theVectorKernelMatchesToo() throws Exception {
        List<String> lines = runChild("--add-modules", "jdk.incubator.vector", "--");
        assertThat(lines.get(0)).startsWith("kernel=VECTOR lanes=");
        assertThat(lines.subList(1, lines.size())).isEqualTo(expected());
    }
}
