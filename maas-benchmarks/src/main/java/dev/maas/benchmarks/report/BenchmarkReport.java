package dev.maas.benchmarks.report;

import dev.maas.benchmarks.report.Results.Jmh;
import dev.maas.benchmarks.report.Results.Peer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Renders the benchmark report from JMH's JSON (and the native peer's JSON, when there is one):
 * {@code docs/benchmarks.md} with a table per figure (result, peer, ratio, fraction of the machine
 * limit it is bound by) and the machine it ran on, PNG charts beside it (latency against item
 * count, throughput against concurrency), and the README's figures between the markers {@value
 * #BEGIN} and {@value #END}, so that no figure is copied by hand.
 *
 * <p>Benchmarks missing from the JSON are reported as not run. Usage:
 *
 * <pre>
 * java -cp maas-benchmarks.jar dev.maas.benchmarks.report.BenchmarkReport \
 *     --jmh target/bench/jmh.json [--peer target/bench/peer.json] --docs docs \
 *     [--readme README.md] [--profile quick] [--note "..."]...
 * </pre>
 *
 * <p>Not thread-safe; one report per instance.
 */
public final class BenchmarkReport {
    /** The README marker before the generated figures. */
    public static final String BEGIN = "<!-- benchmarks:begin -->";

    /** The README marker after the generated figures. */
    public static final String END = "<!-- benchmarks:end -->";

    static final String CHARTS = "benchmarks";

    private final List<Jmh> jmh;
    private final List<Peer> peers;
    private final Machine machine;
    private final String profile;
    private final List<String> notes;
    private final List<String> sources;
    private final Map<String, Double> limits;

    /** Read rates by array size in bytes: keys read (one thread) and readAll. */
    private final Map<String, TreeMap<Long, Double>> reads;

    /**
     * The machine the benchmarks ran on.
     *
     * @param cpu the CPU model
     * @param cores the cores the JVM sees
     * @param jdk the JDK that ran the benchmarks
     * @param os the operating system
     * @param date when the results were written (UTC)
     */
    record Machine(String cpu, int cores, String jdk, String os, String date) {
        /**
         * Describes the machine this JVM runs on; {@code jdk} from the results when known, {@code
         * measured} when the results were written.
         */
        static Machine here(String jdk, java.time.Instant measured) {
            String cpu = System.getProperty("os.arch");
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux: the architecture is what we can say.
            }
            return new Machine(
                    cpu,
                    Runtime.getRuntime().availableProcessors(),
                    jdk != null ? jdk : System.getProperty("java.version"),
                    System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    ZonedDateTime.ofInstant(measured, ZoneOffset.UTC)
                            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        }
    }

    BenchmarkReport(
            List<Jmh> jmh,
            List<Peer> peers,
            Machine machine,
            String profile,
            List<String> notes,
            List<String> sources) {
        this.jmh = List.copyOf(jmh);
        this.peers = List.copyOf(peers);
        this.machine = machine;
        this.profile = profile;
        this.notes = List.copyOf(notes);
        this.sources = List.copyOf(sources);
        this.limits = limits(jmh);
        this.reads = reads(jmh);
    }

    /** Reads the arguments (see the class comment), renders and writes the report. */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> jmhFiles = new ArrayList<>();
        Path peerFile = null;
        Path docs = Path.of("docs");
        Path readme = null;
        String profile = "custom";
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--jmh" -> jmhFiles.add(Path.of(v));
                case "--peer" -> peerFile = Path.of(v);
                case "--docs" -> docs = Path.of(v);
                case "--readme" -> readme = Path.of(v);
                case "--profile" -> profile = v;
                case "--note" -> notes.add(v);
                default ->
                        throw new IllegalArgumentException(
                                "unknown option "
                                        + a
                                        + "; expected --jmh FILE, --peer FILE, --docs DIR, --readme"
                                        + " FILE, --profile NAME, --note TEXT");
            }
        }
        List<Jmh> results = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        java.time.Instant measured = java.time.Instant.EPOCH;
        for (Path f : jmhFiles) {
            if (Files.isRegularFile(f)) {
                results.addAll(Results.readJmh(f));
                java.time.Instant written = Files.getLastModifiedTime(f).toInstant();
                measured = written.isAfter(measured) ? written : measured;
                sources.add(f.getFileName().toString());
            } else {
                notes.add("JMH results " + f + " were not found: their benchmarks are not run.");
            }
        }
        List<Peer> peers = List.of();
        if (peerFile != null && Files.isRegularFile(peerFile)) {
            peers = Results.readPeer(peerFile);
            sources.add(peerFile.getFileName().toString());
        } else {
            notes.add("No native peer results (python3 with numpy not found, or not run).");
        }
        String jdk = results.isEmpty() ? null : results.get(0).jdk();
        BenchmarkReport report =
                new BenchmarkReport(
                        results,
                        peers,
                        Machine.here(jdk, results.isEmpty() ? java.time.Instant.now() : measured),
                        profile,
                        notes,
                        sources);
        report.write(docs, readme);
        System.out.println("wrote " + docs.resolve("benchmarks.md"));
    }

    /**
     * Writes {@code benchmarks.md} and its charts into {@code docs}; updates the README if given.
     */
    void write(Path docs, Path readme) throws IOException {
        Path charts = docs.resolve(CHARTS);
        Files.createDirectories(charts);
        Files.writeString(docs.resolve("benchmarks.md"), markdown(charts), StandardCharsets.UTF_8);
        if (readme != null) {
            String text = Files.readString(readme);
            Files.writeString(readme, withSummary(text), StandardCharsets.UTF_8);
        }
    }

    // ---------------------------------------------------------------- the report

    String markdown(Path charts) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Generated by `./maas-bench ")
                .append(profile)
                .append("` from ")
                .append(
                        sources.isEmpty()
                                ? "no results"
                                : sources.stream()
                                        .map(s -> "`" + s + "`")
                                        .collect(Collectors.joining(", ")))
                .append(", a real run on the machine below; do not edit by hand. Ratios compare")
                .append(" results of the same run; a machine shared with other work makes them")
                .append(" indicative.\n\n");
        md.append("| CPU | cores | JDK | OS | date | profile |\n|---|---:|---|---|---|---|\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %d | %s | %s | %s | %s |%n%n",
                        machine.cpu(),
                        machine.cores(),
                        machine.jdk(),
                        machine.os(),
                        machine.date(),
                        profile));
        if (!notes.isEmpty()) {
            for (String n : notes) {
                md.append("- ").append(n).append('\n');
            }
            md.append('\n');
        }
        limitsSection(md);
        servingSection(md, charts);
        topKSection(md, charts);
        otherSection(md);
        return md.toString();
    }

    // ---------------------------------------------------------------- machine limits

    /** The limits read from MachineLimits*: keys read, readAll, cache, fma, fmaAll (per second). */
    static Map<String, Double> limits(List<Jmh> all) {
        Map<String, Double> out = new TreeMap<>();
        Map<String, Jmh> largest = new TreeMap<>();
        Map<String, Jmh> smallest = new TreeMap<>();
        for (Jmh r : all) {
            if (!r.benchmark().startsWith("MachineLimits")) {
                continue;
            }
            String m = r.method();
            if (m.toLowerCase(Locale.ROOT).startsWith("read")) {
                long kib = Long.parseLong(r.param("kib", "0"));
                largest.merge(m, r, (a, b) -> Long.parseLong(a.param("kib", "0")) >= kib ? a : b);
                smallest.merge(m, r, (a, b) -> Long.parseLong(a.param("kib", "0")) <= kib ? a : b);
            } else if (m.toLowerCase(Locale.ROOT).startsWith("fma")) {
                double flops = r.secondary().getOrDefault("flops", Double.NaN);
                out.put(m.endsWith("AllCores") ? "fmaAll" : "fma", flops);
            }
        }
        largest.forEach(
                (m, r) ->
                        out.put(
                                m.endsWith("AllCores") ? "readAll" : "read",
                                r.secondary().getOrDefault("bytes", Double.NaN)));
        Jmh cache = smallest.get("read");
        if (cache != null) {
            out.put("cache", cache.secondary().getOrDefault("bytes", Double.NaN));
        }
        return out;
    }

    /** The read rates of MachineLimits* by array size, per method kind (read, readAll). */
    static Map<String, TreeMap<Long, Double>> reads(List<Jmh> all) {
        Map<String, TreeMap<Long, Double>> out = new TreeMap<>();
        for (Jmh r : all) {
            String m = r.method();
            if (r.benchmark().startsWith("MachineLimits")
                    && m.toLowerCase(Locale.ROOT).startsWith("read")) {
                out.computeIfAbsent(
                                m.endsWith("AllCores") ? "readAll" : "read", k -> new TreeMap<>())
                        .put(
                                Long.parseLong(r.param("kib", "0")) * 1024,
                                r.secondary().getOrDefault("bytes", Double.NaN));
            }
        }
        return out;
    }

    /**
     * The read rate that bounds a pass over {@code bytes}: the one measured on the smallest array
     * at least as large (a smaller matrix partly stays in the caches, so the memory rate would
     * understate its bound), else the largest measured; NaN when none was.
     */
    double readBound(String kind, double bytes) {
        TreeMap<Long, Double> bySize = reads.get(kind);
        if (bySize == null || bySize.isEmpty()) {
            return Double.NaN;
        }
        Map.Entry<Long, Double> e = bySize.ceilingEntry((long) Math.ceil(bytes));
        return (e != null ? e : bySize.lastEntry()).getValue();
    }

    private void limitsSection(StringBuilder md) {
        md.append("## Machine limits (`MachineLimitsBenchmark`)\n\n");
        List<Jmh> rows =
                jmh.stream().filter(r -> r.benchmark().startsWith("MachineLimits")).toList();
        if (rows.isEmpty()) {
            md.append(
                    "Not run: no `MachineLimits*` results, so no figure below is given as a"
                            + " fraction of a limit.\n\n");
            return;
        }
        md.append("| figure | params | threads | limit |\n|---|---|---:|---:|\n");
        for (Jmh r : rows) {
            double bytes = r.secondary().getOrDefault("bytes", 0.0);
            double flops = r.secondary().getOrDefault("flops", 0.0);
            String value =
                    bytes > 0
                            ? fmt(bytes / 1e9) + " GB/s"
                            : flops > 0
                                    ? fmt(flops / 1e9) + " GFLOP/s"
                                    : fmt(r.score()) + " " + r.unit();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| `%s` | %s | %d | %s |%n",
                            r.method(),
                            params(r.params()),
                            r.threads(),
                            value));
        }
        md.append(
                "\nTop-K figures are set against these: one query reads the item matrix once (a"
                        + " fraction of the read bandwidth measured on the smallest array at least"
                        + " as large as the matrix: from memory for the largest, partly from the"
                        + " caches for smaller ones), a batch is bound by fused multiply-adds (a"
                        + " fraction of the FMA peak); all-cores limits apply to runs with more"
                        + " than one thread.\n\n");
    }

    // ---------------------------------------------------------------- serving

    /** Serving results of one model and device: by callers, then peer. */
    private record Cell(double perSecond, boolean derived, double p50, double p99, double p999) {}

    private Map<String, Map<Integer, Map<String, Cell>>> serving() {
        Map<String, Map<Integer, Map<String, Cell>>> out = new TreeMap<>();
        Map<String, Jmh> thrpt = new LinkedHashMap<>();
        Map<String, Jmh> sample = new LinkedHashMap<>();
        for (Jmh r : jmh) {
            if (!r.benchmark().equals("ServingBenchmark")) {
                continue;
            }
            String key = servingKey(r);
            if (r.mode().equals("thrpt")) {
                thrpt.put(key, r);
            } else if (r.mode().equals("sample")) {
                sample.put(key, r);
            }
        }
        TreeSet<String> keys = new TreeSet<>(thrpt.keySet());
        keys.addAll(sample.keySet());
        for (String key : keys) {
            Jmh t = thrpt.get(key);
            Jmh s = sample.get(key);
            Jmh any = t != null ? t : s;
            double perSecond;
            boolean derived = false;
            if (t != null) {
                perSecond = t.perSecond();
            } else {
                // A closed loop: callers / mean latency.
                perSecond = s.threads() / (s.micros() * 1e-6);
                derived = true;
            }
            Cell cell =
                    new Cell(
                            perSecond,
                            derived,
                            s == null ? Double.NaN : s.percentileMicros("50.0"),
                            s == null ? Double.NaN : s.percentileMicros("99.0"),
                            s == null ? Double.NaN : s.percentileMicros("99.9"));
            String threads = any.param("intraOpThreads", "0");
            String model =
                    any.param("model", "mlp-32-64-8")
                            + " on "
                            + any.param("device", "cpu")
                            + (threads.equals("0") ? "" : ", " + threads + " intra-op thread(s)");
            out.computeIfAbsent(model, k -> new TreeMap<>())
                    .computeIfAbsent(any.threads(), k -> new LinkedHashMap<>())
                    .put(peerLabel(any), cell);
        }
        return out;
    }

    private static String servingKey(Jmh r) {
        return r.param("model", "")
                + "|"
                + r.param("device", "")
                + "|"
                + r.param("intraOpThreads", "0")
                + "|"
                + r.threads()
                + "|"
                + peerLabel(r);
    }

    private static String peerLabel(Jmh r) {
        String peer = r.param("peer", "?");
        String workers = r.param("maasWorkers", "0");
        return peer.equals("maas") && !workers.equals("0") ? "maas, " + workers + " workers" : peer;
    }

    private void servingSection(StringBuilder md, Path charts) throws IOException {
        md.append("## Serving (`ServingBenchmark`)\n\n");
        Map<String, Map<Integer, Map<String, Cell>>> all = serving();
        if (all.isEmpty()) {
            md.append("Not run: no `ServingBenchmark` results.\n\n");
            return;
        }
        md.append(
                "One row per call; `perCall`: a new DJL predictor per call; `perThread`: one"
                        + " predictor per caller thread; `maas`: an endpoint (a lone call runs on"
                        + " its caller's thread, calls that queue are batched). Ratios are"
                        + " throughput against the peer in the same run.\n\n");
        for (Map.Entry<String, Map<Integer, Map<String, Cell>>> m : all.entrySet()) {
            md.append("### ").append(m.getKey()).append("\n\n");
            md.append(
                    "| callers | serving | calls/s | p50 | p99 | p99.9 | vs perThread | vs"
                            + " perCall |\n|---:|---|---:|---:|---:|---:|---:|---:|\n");
            for (Map.Entry<Integer, Map<String, Cell>> c : m.getValue().entrySet()) {
                Cell perThread = c.getValue().get("perThread");
                Cell perCall = c.getValue().get("perCall");
                for (Map.Entry<String, Cell> p : c.getValue().entrySet()) {
                    Cell cell = p.getValue();
                    md.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %d | %s | %s%s | %s | %s | %s | %s | %s |%n",
                                    c.getKey(),
                                    p.getKey(),
                                    cell.derived() ? "≈" : "",
                                    fmtInt(cell.perSecond()),
                                    time(cell.p50()),
                                    time(cell.p99()),
                                    time(cell.p999()),
                                    ratio(
                                            cell.perSecond(),
                                            perThread == null ? Double.NaN : perThread.perSecond()),
                                    ratio(
                                            cell.perSecond(),
                                            perCall == null ? Double.NaN : perCall.perSecond())));
                }
            }
            String file = "serving-" + slug(m.getKey()) + ".png";
            servingChart(m.getKey(), m.getValue(), charts.resolve(file));
            md.append("\n![throughput against callers, ")
                    .append(m.getKey())
                    .append("](")
                    .append(CHARTS)
                    .append('/')
                    .append(file)
                    .append(")\n\n");
        }
        md.append(
                "≈: derived from sample mode (callers / mean latency) where no throughput run"
                        + " was made.\n\n");
    }

    private static void servingChart(
            String title, Map<Integer, Map<String, Cell>> byCallers, Path file) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(800)
                        .height(500)
                        .title("Throughput against callers: " + title)
                        .xAxisTitle("callers (threads)")
                        .yAxisTitle("calls per second")
                        .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        Map<String, List<double[]>> series = new TreeMap<>();
        byCallers.forEach(
                (callers, peers) ->
                        peers.forEach(
                                (peer, cell) ->
                                        series.computeIfAbsent(peer, k -> new ArrayList<>())
                                                .add(new double[] {callers, cell.perSecond()})));
        addSeries(chart, series);
        save(chart, file);
    }

    // ---------------------------------------------------------------- top-K

    private static boolean isTopK(Jmh r) {
        return r.benchmark().startsWith("TopK");
    }

    private static long items(Jmh r) {
        return Long.parseLong(r.param("items", r.param("n", "0")));
    }

    private static int batch(Jmh r) {
        return Integer.parseInt(r.param("batch", "1"));
    }

    private static String variant(Jmh r) {
        Map<String, String> p = new TreeMap<>(r.params());
        p.remove("items");
        p.remove("n");
        p.remove("batch");
        String v = params(p);
        return r.benchmark() + "." + r.method() + (v.isEmpty() ? "" : " " + v);
    }

    /** Median latency of one call in microseconds. */
    private static double latency(Jmh r) {
        double p50 = r.percentileMicros("50.0");
        return r.mode().equals("sample") && !Double.isNaN(p50) ? p50 : r.micros();
    }

    private Peer peer(String name, long items, int batch) {
        for (Peer p : peers) {
            if (p.name().endsWith("." + name)
                    && Objects.equals(p.params().get("items"), Long.toString(items))
                    && Objects.equals(p.params().get("batch"), Integer.toString(batch))) {
                return p;
            }
        }
        return null;
    }

    /** The fraction of the bound a top-K call reaches; NaN when the limit was not measured. */
    double fractionOfLimit(Jmh r) {
        double seconds = latency(r) * 1e-6;
        long n = items(r);
        int dims = Integer.parseInt(r.param("dims", "64"));
        int threads = Integer.parseInt(r.param("threads", r.param("parallelism", "1")));
        String all = (r.params().values() + r.method()).toLowerCase(Locale.ROOT);
        boolean int8 = all.contains("int8");
        if (batch(r) == 1) {
            double bytes = (double) n * dims * (int8 ? 1 : 4);
            return bytes / seconds / readBound(threads > 1 ? "readAll" : "read", bytes);
        }
        double limit = limits.getOrDefault(threads > 1 ? "fmaAll" : "fma", Double.NaN);
        double flops = 2.0 * n * dims * batch(r);
        return flops / seconds / limit;
    }

    private void topKSection(StringBuilder md, Path charts) throws IOException {
        md.append("## Top-K retrieval (`TopK*`)\n\n");
        List<Jmh> rows = jmh.stream().filter(BenchmarkReport::isTopK).toList();
        if (rows.isEmpty()) {
            md.append("Not run: no `TopK*` results.\n\n");
            return;
        }
        md.append(
                "Median wall time per call (a call of batch 256 answers 256 queries). Peer: the"
                        + " native peer's top-K (`Q @ E.T` and a partial sort) and its bare"
                        + " BLAS product alone (matrix-vector for one query, matrix-matrix for a"
                        + " batch), same items, dims and batch, one thread; ratio > 1: maas is"
                        + " faster. Limit: one query against the read bandwidth from memory, a"
                        + " batch against the FMA peak (int8 against the float peak).\n\n");
        md.append(
                "| kernel | items | batch | p50 | peer top-K | ratio | bare BLAS | ratio |"
                        + " fraction of limit |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Jmh r : rows) {
            long n = items(r);
            int b = batch(r);
            double t = latency(r);
            Peer top = peer("topk", n, b);
            Peer bare = peer(b == 1 ? "matvec" : "gemm", n, b);
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d | %d | %s | %s | %s | %s | %s | %s |%n",
                            variant(r),
                            n,
                            b,
                            time(t),
                            top == null ? "not run" : time(top.micros()),
                            top == null ? "" : ratio(top.micros(), t),
                            bare == null ? "not run" : time(bare.micros()),
                            bare == null ? "" : ratio(bare.micros(), t),
                            fraction(fractionOfLimit(r))));
        }
        md.append('\n');
        TreeSet<Integer> batches = new TreeSet<>();
        rows.forEach(r -> batches.add(batch(r)));
        for (int b : batches) {
            String file = "topk-latency-batch" + b + ".png";
            topKChart(rows, b, charts.resolve(file));
            md.append("![latency against item count, batch ")
                    .append(b)
                    .append("](")
                    .append(CHARTS)
                    .append('/')
                    .append(file)
                    .append(")\n\n");
        }
    }

    private void topKChart(List<Jmh> rows, int batch, Path file) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(800)
                        .height(500)
                        .title("Top-K latency against item count, batch " + batch)
                        .xAxisTitle("items")
                        .yAxisTitle("p50 per call (µs)")
                        .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        Map<String, List<double[]>> series = new TreeMap<>();
        for (Jmh r : rows) {
            if (batch(r) == batch) {
                series.computeIfAbsent(variant(r), k -> new ArrayList<>())
                        .add(new double[] {items(r), latency(r)});
            }
        }
        for (Peer p : peers) {
            String items = p.params().get("items");
            if (items != null
                    && Integer.toString(batch).equals(p.params().get("batch"))
                    && !Double.isNaN(p.micros())) {
                series.computeIfAbsent(p.name(), k -> new ArrayList<>())
                        .add(new double[] {Double.parseDouble(items), p.micros()});
            }
        }
        addSeries(chart, series);
        save(chart, file);
    }

    // ---------------------------------------------------------------- the rest

    private void otherSection(StringBuilder md) {
        md.append("## Other benchmarks\n\n");
        List<Jmh> rows =
                jmh.stream()
                        .filter(
                                r ->
                                        !isTopK(r)
                                                && !r.benchmark().equals("ServingBenchmark")
                                                && !r.benchmark().startsWith("MachineLimits"))
                        .toList();
        if (rows.isEmpty()) {
            md.append("Not run.\n\n");
            return;
        }
        md.append(
                "| benchmark | params | threads | mode | score | p50 | p99 |\n"
                        + "|---|---|---:|---|---:|---:|---:|\n");
        for (Jmh r : rows) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| `%s.%s` | %s | %d | %s | %s%s %s | %s | %s |%n",
                            r.benchmark(),
                            r.method(),
                            params(r.params()),
                            r.threads(),
                            r.mode(),
                            fmt(r.score()),
                            Double.isNaN(r.error()) ? "" : " ± " + fmt(r.error()),
                            r.unit(),
                            r.mode().equals("sample") ? time(r.percentileMicros("50.0")) : "",
                            r.mode().equals("sample") ? time(r.percentileMicros("99.0")) : ""));
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------- README

    /** Returns {@code readme} with the summary between the markers. */
    String withSummary(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(
                    "the README has no " + BEGIN + " ... " + END + " markers to write between");
        }
        return readme.substring(0, begin + BEGIN.length())
                + "\n"
                + summary()
                + readme.substring(end);
    }

    /** The README's figures: the serving goals and the top-K headline figures. */
    String summary() {
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "Measured by `./maas-bench %s` on %s, %d cores, JDK %s, %s (%s); every"
                            + " figure, peer and chart: [docs/benchmarks.md](docs/benchmarks.md)."
                            + "%n%n",
                        profile,
                        machine.cpu(),
                        machine.cores(),
                        machine.jdk(),
                        machine.os(),
                        machine.date()));
        s.append("| figure | maas | peer | ratio |\n|---|---:|---:|---:|\n");
        int rows = 0;
        for (Map.Entry<String, Map<Integer, Map<String, Cell>>> m : serving().entrySet()) {
            for (Map.Entry<Integer, Map<String, Cell>> c : m.getValue().entrySet()) {
                Cell maas = c.getValue().get("maas");
                if (maas == null) {
                    continue;
                }
                for (String peer : List.of("perThread", "perCall")) {
                    Cell p = c.getValue().get(peer);
                    if (p == null) {
                        continue;
                    }
                    s.append(
                            String.format(
                                    Locale.ROOT,
                                    "| serving %s, %s: calls/s (p50) vs %s | %s (%s) | %s"
                                            + " (%s) | %s |%n",
                                    m.getKey(),
                                    c.getKey() == 1 ? "1 caller" : c.getKey() + " callers",
                                    peer,
                                    fmtInt(maas.perSecond()),
                                    time(maas.p50()),
                                    fmtInt(p.perSecond()),
                                    time(p.p50()),
                                    ratio(maas.perSecond(), p.perSecond())));
                    rows++;
                }
            }
        }
        for (Jmh r : jmh) {
            if (!isTopK(r)) {
                continue;
            }
            Peer top = peer("topk", items(r), batch(r));
            double f = fractionOfLimit(r);
            s.append(
                    String.format(
                            Locale.ROOT,
                            "| top-K %s, %,d items, batch %d: p50%s | %s | %s | %s |%n",
                            variant(r),
                            items(r),
                            batch(r),
                            Double.isNaN(f) ? "" : " (" + fraction(f) + " of its limit)",
                            time(latency(r)),
                            top == null ? "not run" : time(top.micros()),
                            top == null ? "" : ratio(top.micros(), latency(r))));
            rows++;
        }
        if (rows == 0) {
            s.append("| no serving or top-K results in this run | | | |\n");
        }
        s.append('\n');
        return s.toString();
    }

    // ---------------------------------------------------------------- helpers

    private static void addSeries(XYChart chart, Map<String, List<double[]>> series) {
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = new ArrayList<>(e.getValue());
            pts.removeIf(p -> Double.isNaN(p[1]) || p[1] <= 0);
            if (pts.isEmpty()) {
                continue;
            }
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            chart.addSeries(e.getKey(), x, y);
        }
    }

    private static void save(XYChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String params(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9.-]+", "-");
    }

    /** A duration given in microseconds, in a readable unit. */
    static String time(double micros) {
        if (Double.isNaN(micros)) {
            return "";
        }
        if (micros < 1) {
            return String.format(Locale.ROOT, "%.0f ns", micros * 1e3);
        }
        if (micros < 1000) {
            return String.format(Locale.ROOT, "%.3g µs", micros);
        }
        if (micros < 1e6) {
            return String.format(Locale.ROOT, "%.3g ms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g s", micros / 1e6);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }

    static String fraction(double f) {
        return Double.isNaN(f) || Double.isInfinite(f)
                ? "n/a"
                : String.format(Locale.ROOT, "%.2f", f);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return Math.abs(v) >= 100
                ? String.format(Locale.ROOT, "%,.0f", v)
                : String.format(Locale.ROOT, "%.3g", v);
    }

    static String fmtInt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
