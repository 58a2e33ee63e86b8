package dev.maas.compression;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one compression cost and saved, all measured in one run on the user's evaluation data: bytes
 * before and after, the task's quality metrics before and after, and latency at batch 1 and at a
 * larger batch. Printed with {@link #toTable()}, written with {@link #toJson()}, and stored in the
 * compressed model's card through {@link #toCardProperties()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param source the model that was compressed, as {@code name:version}
 * @param technique {@code quantize}, {@code prune}, {@code low-rank} or {@code distill}
 * @param settings the technique's settings, such as {@code scheme=int8-symmetric-per-row}
 * @param bytesBefore the bytes of the source's parameters as stored
 * @param bytesAfter the bytes of the compressed parameters as stored
 * @param quality the quality metrics, in the order measured
 * @param latency latency per item at each measured batch size
 */
public record CompressionReport(
        String source,
        String technique,
        Map<String, String> settings,
        long bytesBefore,
        long bytesAfter,
        List<Quality> quality,
        List<Latency> latency) {

    /** The prefix of the card properties a report writes. */
    public static final String PREFIX = "compression.";

    /**
     * One quality metric before and after.
     *
     * @param metric the metric's name, such as {@code ndcg@10}
     * @param before the source's value
     * @param after the compressed model's value
     * @param higherIsBetter whether larger values are better (NDCG, overlap, F1) or worse (RMSE)
     */
    public record Quality(String metric, double before, double after, boolean higherIsBetter) {
        /** Returns {@code after - before}. */
        public double change() {
            return after - before;
        }

        /** Returns the share of the source's value the compressed model keeps. */
        public double kept() {
            return before == 0 ? Double.NaN : after / before;
        }
    }

    /**
     * Latency per item at one batch size.
     *
     * @param batch items per call
     * @param beforeMicros the source's mean microseconds per item
     * @param afterMicros the compressed model's mean microseconds per item
     */
    public record Latency(int batch, double beforeMicros, double afterMicros) {
        /** Returns {@code beforeMicros / afterMicros}: above 1, the compressed model is faster. */
        public double speedup() {
            return beforeMicros / afterMicros;
        }
    }

    /** Copies the collections and checks the sizes. */
    public CompressionReport {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(technique, "technique");
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        quality = List.copyOf(quality);
        latency = List.copyOf(latency);
        if (bytesBefore <= 0 || bytesAfter <= 0) {
            throw new IllegalArgumentException(
                    "bytes must be positive, were " + bytesBefore + " and " + bytesAfter);
        }
    }

    /** Returns {@code bytesBefore / bytesAfter}: how many times smaller the model is. */
    public double ratio() {
        return (double) bytesBefore / bytesAfter;
    }

    /**
     * Returns the quality metric named {@code metric}.
     *
     * @throws IllegalArgumentException if the report has no such metric
     */
    public Quality quality(String metric) {
        for (Quality q : quality) {
            if (q.metric().equals(metric)) {
                return q;
            }
        }
        throw new IllegalArgumentException(
                "the report has no metric '"
                        + metric
                        + "'; it has "
                        + quality.stream().map(Quality::metric).toList());
    }

    /** Returns the report as a text table. */
    public String toTable() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Compression of %s: %s", source, technique));
        settings.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        b.append('\n');
        b.append(
                String.format(
                        Locale.ROOT,
                        "  %-22s %14s %14s %12s%n",
                        "measure",
                        "before",
                        "after",
                        "change"));
        b.append(
                String.format(
                        Locale.ROOT,
                        "  %-22s %14d %14d %11.2fx%n",
                        "bytes",
                        bytesBefore,
                        bytesAfter,
                        ratio()));
        for (Quality q : quality) {
            b.append(
                    String.format(
                            Locale.ROOT,
                            "  %-22s %14.4f %14.4f %+12.4f%n",
                            q.metric(),
                            q.before(),
                            q.after(),
                            q.change()));
        }
        for (Latency l : latency) {
            b.append(
                    String.format(
                            Locale.ROOT,
                            "  %-22s %14.2f %14.2f %11.2fx%n",
                            "us/item at batch " + l.batch(),
                            l.beforeMicros(),
                            l.afterMicros(),
                            l.speedup()));
        }
        return b.toString();
    }

    /** Returns the report as JSON text. */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("source", source);
        o.addProperty("technique", technique);
        JsonObject s = new JsonObject();
        settings.forEach(s::addProperty);
        o.add("settings", s);
        o.addProperty("bytesBefore", bytesBefore);
        o.addProperty("bytesAfter", bytesAfter);
        o.addProperty("ratio", ratio());
        JsonArray qs = new JsonArray();
        for (Quality q : quality) {
            JsonObject j = new JsonObject();
            j.addProperty("metric", q.metric());
            j.addProperty("before", q.before());
            j.addProperty("after", q.after());
            j.addProperty("change", q.change());
            j.addProperty("higherIsBetter", q.higherIsBetter());
            qs.add(j);
        }
        o.add("quality", qs);
        JsonArray ls = new JsonArray();
        for (Latency l : latency) {
            JsonObject j = new JsonObject();
            j.addProperty("batch", l.batch());
            j.addProperty("beforeMicrosPerItem", l.beforeMicros());
            j.addProperty("afterMicrosPerItem", l.afterMicros());
            j.addProperty("speedup", l.speedup());
            ls.add(j);
        }
        o.add("latency", ls);
        return new GsonBuilder()
                .serializeSpecialFloatingPointValues()
                .setPrettyPrinting()
                .create()
                .toJson(o);
    }

    /**
     * Returns the card properties that record this report: {@code compression.technique}, {@code
     * compression.source}, {@code compression.setting.*}, {@code compression.bytes.before}, {@code
     * compression.bytes.after}, {@code compression.ratio}, {@code
     * compression.quality.<metric>.before} and {@code .after}, and {@code compression.report} (the
     * JSON).
     */
    public Map<String, String> toCardProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PREFIX + "technique", technique);
        p.put(PREFIX + "source", source);
        settings.forEach((k, v) -> p.put(PREFIX + "setting." + k, v));
        p.put(PREFIX + "bytes.before", Long.toString(bytesBefore));
        p.put(PREFIX + "bytes.after", Long.toString(bytesAfter));
        p.put(PREFIX + "ratio", String.format(Locale.ROOT, "%.4f", ratio()));
        for (Quality q : quality) {
            p.put(PREFIX + "quality." + q.metric() + ".before", Double.toString(q.before()));
            p.put(PREFIX + "quality." + q.metric() + ".after", Double.toString(q.after()));
        }
        p.put(PREFIX + "report", toJson());
        return p;
    }
}
