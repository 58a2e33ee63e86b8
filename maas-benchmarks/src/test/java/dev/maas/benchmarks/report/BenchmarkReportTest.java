package dev.maas.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report rendered from a small fixture of JMH and peer results. */
class BenchmarkReportTest {
    private static final BenchmarkReport.Machine MACHINE =
            new BenchmarkReport.Machine(
                    "AMD EPYC test", 2, "17.0.15", "Linux 6.1", "2026-12-01 21:00 UTC");

    @TempDir Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(BenchmarkReportTest.class.getResource("/report/" + name).toURI());
    }

    private static BenchmarkReport report(boolean withPeer, boolean withLimits) throws Exception {
        List<Results.Jmh> jmh = Results.readJmh(fixture("jmh-fixture.json"));
        if (!withLimits) {
            jmh = jmh.stream().filter(r -> !r.benchmark().startsWith("MachineLimits")).toList();
        }
        List<Results.Peer> peers =
                withPeer ? Results.readPeer(fixture("peer-fixture.json")) : List.of();
        return new BenchmarkReport(
                jmh, peers, MACHINE, "quick", List.of("GPU cases skipped"), List.of("jmh.json"));
    }

    @Test
    void tables_holdEachFigureWithItsPeerRatioAndFractionOfTheLimit() throws Exception {
        Path docs = tmp.resolve("docs");
        report(true, true).write(docs, null);
        String md = Files.readString(docs.resolve("benchmarks.md"));

        assertThat(md)
                .contains(
                        "| AMD EPYC test | 2 | 17.0.15 | Linux 6.1 | 2026-12-01 21:00 UTC | quick"
                                + " |")
                .contains("- GPU cases skipped")
                // 20 calls/ms against 10: twice the per-thread throughput; p50 0.5 ms.
                .contains("| 16 | maas | 20,000 | 500 µs | 2.00 ms | 4.00 ms | 2.00x |  |")
                .contains("| 16 | perThread | 10,000 | 250 µs | 9.00 ms | 30.0 ms | 1.00x |  |")
                // Only sample mode for one caller: 1 / 50 µs, marked as derived.
                .contains("| 1 | maas | ≈20,000 | 40.0 µs | 100 µs | 200 µs |  |  |")
                // 1M x 64 floats in 12.8 ms = 20 GB/s of a 25 GB/s bound (the best of the two
                // read iterations, not their mean); numpy 2x slower.
                .contains(
                        "| TopKBenchmark.topK precision=f32 | 1,000,000 | 1 | 12.8 ms | 25.6 ms"
                                + " | 2.00x | 12.8 ms | 1.00x | 0.80 |")
                // 2 x 100k x 64 x 256 flops in 40.96 ms = 80 GFLOP/s of 100; no peer for it.
                .contains(
                        "| TopKBenchmark.topK precision=f32 | 100,000 | 256 | 41.0 ms | not run"
                                + " |  | not run |  | 0.80 |")
                .contains("| `read` | kib=524288 | 1 | 25.0 GB/s |")
                .contains("| `fma` |  | 1 | 100 GFLOP/s |")
                .contains("| `CsvLoadBenchmark.load` | rows=100000 | 1 | ss | 123 ± 5.00 ms/op |");
        for (String png :
                List.of(
                        "serving-mlp-32-64-8-on-cpu.png",
                        "topk-latency-batch1.png",
                        "topk-latency-batch256.png")) {
            Path file = docs.resolve(BenchmarkReport.CHARTS).resolve(png);
            assertThat(md).contains("(benchmarks/" + png + ")");
            assertThat(file).isRegularFile();
            try (InputStream in = Files.newInputStream(file)) {
                byte[] magic = in.readNBytes(8);
                assertThat(magic)
                        .as(png + " is a PNG")
                        .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
            }
            assertThat(Files.size(file)).isGreaterThan(1000);
        }
    }

    @Test
    void singleQueryBound_isTheReadRateOfTheSmallestMeasuredArrayAtLeastAsLarge() throws Exception {
        BenchmarkReport r = report(false, true);
        // The fixture measured 256 KiB (90 GB/s) and 512 MiB (25 GB/s, best iteration).
        assertThat(r.readBound("read", 100 * 1024)).isEqualTo(9.0e10);
        assertThat(r.readBound("read", 256 * 1024)).isEqualTo(9.0e10);
        assertThat(r.readBound("read", 25.6e6)).isEqualTo(2.5e10);
        assertThat(r.readBound("read", 1e12)).isEqualTo(2.5e10);
        assertThat(report(false, false).readBound("read", 1e6)).isNaN();
    }

    @Test
    void missingBenchmarksAndLimits_areReportedAsNotRun() throws Exception {
        List<Results.Jmh> none = List.of();
        BenchmarkReport empty =
                new BenchmarkReport(none, List.of(), MACHINE, "quick", List.of(), List.of());
        String md = empty.markdown(tmp);
        assertThat(md)
                .contains("Not run: no `MachineLimits*` results")
                .contains("Not run: no `ServingBenchmark` results.")
                .contains("Not run: no `TopK*` results.");

        String partial = report(false, false).markdown(tmp);
        assertThat(partial)
                .contains("Not run: no `MachineLimits*` results")
                .contains(
                        "| TopKBenchmark.topK precision=f32 | 1,000,000 | 1 | 12.8 ms | not run"
                                + " |  | not run |  | n/a |");
    }

    @Test
    void readme_figuresAreRewrittenBetweenTheMarkers_restKept() throws Exception {
        Path readme = tmp.resolve("README.md");
        Files.writeString(
                readme,
                "# title\n\nbefore\n"
                        + BenchmarkReport.BEGIN
                        + "\nold figures\n"
                        + BenchmarkReport.END
                        + "\nafter\n");
        report(true, true).write(tmp.resolve("docs"), readme);
        String text = Files.readString(readme);

        assertThat(text)
                .startsWith("# title\n\nbefore\n" + BenchmarkReport.BEGIN + "\n")
                .endsWith(BenchmarkReport.END + "\nafter\n")
                .doesNotContain("old figures")
                .contains(
                        "| serving mlp-32-64-8 on cpu, 16 callers: calls/s (p50) vs perThread |"
                                + " 20,000 (500 µs) | 10,000 (250 µs) | 2.00x |")
                .contains(
                        "| top-K TopKBenchmark.topK precision=f32, 1,000,000 items, batch 1: p50"
                                + " (0.80 of its limit) | 12.8 ms | 25.6 ms | 2.00x |")
                .contains("[docs/benchmarks.md](docs/benchmarks.md)");

        Path bare = tmp.resolve("BARE.md");
        Files.writeString(bare, "no markers\n");
        assertThatThrownBy(() -> report(true, true).write(tmp.resolve("docs2"), bare))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BenchmarkReport.BEGIN);
    }

    @Test
    void peerJson_objectWithResults_isReadAsMedianPerCase() throws IOException {
        Path f = tmp.resolve("peer.json");
        Files.writeString(
                f,
                "{\"peer\": \"numpy\", \"results\": [{\"case\": \"matvec\", \"items\": 100000,"
                        + " \"dims\": 64, \"batch\": 1, \"k\": 10, \"calls\": 9, \"p50_us\":"
                        + " 1448.5, \"p90_us\": 2000.0}]}");
        assertThat(Results.readPeer(f))
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.name()).isEqualTo("numpy.matvec");
                            assertThat(p.params())
                                    .containsEntry("items", "100000")
                                    .containsEntry("batch", "1")
                                    .doesNotContainKey("p90_us");
                            assertThat(p.micros()).isEqualTo(1448.5);
                        });
    }
}
