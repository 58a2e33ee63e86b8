package dev.maas.benchmarks.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads JMH's JSON results and the native peer's JSON into plain records. */
final class Results {
    private Results() {}

    /**
     * One JMH result.
     *
     * @param benchmark the class's simple name ({@code ServingBenchmark})
     * @param method the benchmark method ({@code sixteenCallers})
     * @param mode JMH's mode: {@code thrpt}, {@code avgt}, {@code sample}, {@code ss}
     * @param threads threads that ran it
     * @param params the {@code @Param} values
     * @param score the primary score, in {@code unit}
     * @param error the score's error (99.9% half-width), NaN when unknown
     * @param unit JMH's unit, such as {@code ops/ms} or {@code us/op}
     * @param percentiles the sample-mode percentiles ("50.0", "99.9", ...) in {@code unit}
     * @param secondary secondary metrics (JMH's auxiliary counters), by name: the best measured
     *     iteration where JMH gives them (these counters are machine limits, peaks that a
     *     page-faulting first pass or a neighbour's burst must not pull down), else the score
     * @param jdk the JDK that ran it
     */
    record Jmh(
            String benchmark,
            String method,
            String mode,
            int threads,
            Map<String, String> params,
            double score,
            double error,
            String unit,
            Map<String, Double> percentiles,
            Map<String, Double> secondary,
            String jdk) {

        String param(String name, String fallback) {
            return params.getOrDefault(name, fallback);
        }

        /** The score as microseconds per operation; NaN when it is not a time per operation. */
        double micros() {
            return toMicros(score, unit);
        }

        /** A percentile as microseconds per operation; NaN when absent. */
        double percentileMicros(String p) {
            Double v = percentiles.get(p);
            return v == null ? Double.NaN : toMicros(v, unit);
        }

        /** The score as operations per second; NaN when it is not a throughput. */
        double perSecond() {
            return toPerSecond(score, unit);
        }
    }

    /**
     * One measurement of the native peer.
     *
     * @param name what was measured, such as {@code numpy.topk}
     * @param params its parameters, such as items, dims, batch
     * @param score the figure, in {@code unit}
     * @param unit such as {@code us} (microseconds per call, the median)
     */
    record Peer(String name, Map<String, String> params, double score, String unit) {
        /** The score as microseconds; NaN when the unit is not a time. */
        double micros() {
            return toMicros(score, unit.contains("/") ? unit : unit + "/op");
        }
    }

    static double toMicros(double v, String unit) {
        switch (unit) {
            case "ns/op":
                return v / 1e3;
            case "us/op":
                return v;
            case "ms/op":
                return v * 1e3;
            case "s/op":
                return v * 1e6;
            default:
                return Double.NaN;
        }
    }

    static double toPerSecond(double v, String unit) {
        switch (unit) {
            case "ops/ns":
                return v * 1e9;
            case "ops/us":
                return v * 1e6;
            case "ops/ms":
                return v * 1e3;
            case "ops/s":
                return v;
            case "ops/min":
                return v / 60;
            default:
                return Double.NaN;
        }
    }

    /** Reads a JMH JSON result file ({@code -rf json}). */
    static List<Jmh> readJmh(Path file) throws IOException {
        JsonElement root = JsonParser.parseString(Files.readString(file));
        if (!root.isJsonArray()) {
            throw new IOException(file + " is not JMH JSON: expected an array of results");
        }
        List<Jmh> out = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            String full = o.get("benchmark").getAsString();
            int dot = full.lastIndexOf('.');
            String cls = full.substring(0, dot);
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            Map<String, String> params = new TreeMap<>();
            if (o.has("params")) {
                for (Map.Entry<String, JsonElement> p : o.getAsJsonObject("params").entrySet()) {
                    params.put(p.getKey(), p.getValue().getAsString());
                }
            }
            JsonObject pm = o.getAsJsonObject("primaryMetric");
            Map<String, Double> pct = new LinkedHashMap<>();
            if (pm.has("scorePercentiles")) {
                for (Map.Entry<String, JsonElement> p :
                        pm.getAsJsonObject("scorePercentiles").entrySet()) {
                    pct.put(p.getKey(), number(p.getValue()));
                }
            }
            Map<String, Double> secondary = new TreeMap<>();
            if (o.has("secondaryMetrics")) {
                for (Map.Entry<String, JsonElement> s :
                        o.getAsJsonObject("secondaryMetrics").entrySet()) {
                    secondary.put(s.getKey(), best(s.getValue().getAsJsonObject()));
                }
            }
            String jdk =
                    (o.has("jdkVersion") ? o.get("jdkVersion").getAsString() : "?")
                            + (o.has("vmName") ? " (" + o.get("vmName").getAsString() + ")" : "");
            out.add(
                    new Jmh(
                            cls,
                            full.substring(dot + 1),
                            o.get("mode").getAsString(),
                            o.has("threads") ? o.get("threads").getAsInt() : 1,
                            Collections.unmodifiableMap(params),
                            number(pm.get("score")),
                            pm.has("scoreError") ? number(pm.get("scoreError")) : Double.NaN,
                            pm.get("scoreUnit").getAsString(),
                            Collections.unmodifiableMap(pct),
                            Collections.unmodifiableMap(secondary),
                            jdk));
        }
        return out;
    }

    /**
     * Reads the peer's JSON: a list of {@code {"name", "params", "score", "unit"}} records; or an
     * object with {@code "peer"} and a {@code "results"} list of {@code {"case", "items", "dims",
     * "batch", "k", "p50_us", ...}}, read as name {@code <peer>.<case>}, the other fields but the
     * timings as params, and the median ({@code p50_us}) as score in {@code us}.
     */
    static List<Peer> readPeer(Path file) throws IOException {
        JsonElement root = JsonParser.parseString(Files.readString(file));
        List<Peer> out = new ArrayList<>();
        if (root.isJsonArray()) {
            for (JsonElement e : root.getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                Map<String, String> params = new TreeMap<>();
                if (o.has("params")) {
                    for (Map.Entry<String, JsonElement> p :
                            o.getAsJsonObject("params").entrySet()) {
                        params.put(p.getKey(), p.getValue().getAsString());
                    }
                }
                out.add(
                        new Peer(
                                o.get("name").getAsString(),
                                params,
                                number(o.get("score")),
                                o.get("unit").getAsString()));
            }
            return out;
        }
        JsonObject o = root.getAsJsonObject();
        String peer = o.has("peer") ? o.get("peer").getAsString() : "peer";
        JsonArray results = o.getAsJsonArray("results");
        if (results == null) {
            throw new IOException(
                    file
                            + " is not peer JSON: expected a list of {name, params, score, unit}"
                            + " or an object with a results list");
        }
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            Map<String, String> params = new TreeMap<>();
            for (Map.Entry<String, JsonElement> p : r.entrySet()) {
                String k = p.getKey();
                if (!k.equals("case") && !k.endsWith("_us") && !k.equals("calls")) {
                    params.put(k, p.getValue().getAsString());
                }
            }
            out.add(
                    new Peer(
                            peer + "." + r.get("case").getAsString(),
                            params,
                            number(r.get("p50_us")),
                            "us"));
        }
        return out;
    }

    /** The highest iteration of a metric, or its score when JMH gave no iterations. */
    private static double best(JsonObject metric) {
        double best = Double.NaN;
        if (metric.has("rawData")) {
            for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                for (JsonElement v : fork.getAsJsonArray()) {
                    double x = number(v);
                    if (!Double.isNaN(x) && !(x <= best)) {
                        best = x;
                    }
                }
            }
        }
        return Double.isNaN(best) ? number(metric.get("score")) : best;
    }

    private static double number(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        String s = e.getAsString();
        return s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
    }
}
