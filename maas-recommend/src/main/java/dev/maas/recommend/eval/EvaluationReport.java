package dev.maas.recommend.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The results of several models on one train/test split, baselines included, printable as a table
 * with {@link #toTable()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param data a one-line description of the training and test sets
 * @param k the list length of the ranking measures
 * @param protocol the ranking protocol
 * @param rows one row per model, in the order they were evaluated
 */
public record EvaluationReport(String data, int k, RankingProtocol protocol, List<Row> rows) {

    /** Copies the rows. */
    public EvaluationReport {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(protocol, "protocol");
        rows = List.copyOf(rows);
    }

    /** Returns the row of the model named {@code model}, if there is one. */
    public Optional<Row> row(String model) {
        return rows.stream().filter(r -> r.model().equals(model)).findFirst();
    }

    /**
     * Renders the report as a fixed-width text table, one line per model; measures a model was not
     * judged on show as {@code -}.
     */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(data).append('\n');
        sb.append("ranking: ").append(protocol).append(", K=").append(k).append('\n');
        int width = "model".length();
        for (Row r : rows) {
            width = Math.max(width, r.model().length());
        }
        String[] heads = {
            "RMSE",
            "MAE",
            "HR@" + k,
            "NDCG@" + k,
            "Recall@" + k,
            "Prec@" + k,
            "MAP@" + k,
            "Coverage"
        };
        sb.append(pad("model", width));
        for (String h : heads) {
            sb.append(String.format(Locale.ROOT, " %10s", h));
        }
        sb.append('\n');
        for (Row r : rows) {
            sb.append(pad(r.model(), width));
            RatingMetrics a = r.ratings();
            RankingMetrics b = r.ranking();
            double[] values = {
                a == null ? Double.NaN : a.rmse(),
                a == null ? Double.NaN : a.mae(),
                b == null ? Double.NaN : b.hitRate(),
                b == null ? Double.NaN : b.ndcg(),
                b == null ? Double.NaN : b.recall(),
                b == null ? Double.NaN : b.precision(),
                b == null ? Double.NaN : b.map(),
                b == null ? Double.NaN : b.coverage()
            };
            for (double v : values) {
                sb.append(
                        Double.isNaN(v)
                                ? String.format(Locale.ROOT, " %10s", "-")
                                : String.format(Locale.ROOT, " %10.4f", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toTable();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    /**
     * One model's results.
     *
     * @param model the model name
     * @param ratings rating accuracy, or {@code null} if the model does not predict ratings
     * @param ranking ranking quality, or {@code null} if the model does not rank
     */
    public record Row(String model, RatingMetrics ratings, RankingMetrics ranking) {
        /** Checks the name. */
        public Row {
            Objects.requireNonNull(model, "model");
        }

        /**
         * Returns the measures as a flat map with keys such as {@code rmse}, {@code hr@10} and
         * {@code ndcg@10}, as kept in a model card.
         */
        public Map<String, Double> asMap() {
            Map<String, Double> m = new LinkedHashMap<>();
            if (ratings != null) {
                m.put("rmse", ratings.rmse());
                m.put("mae", ratings.mae());
            }
            if (ranking != null) {
                int k = ranking.k();
                m.put("hr@" + k, ranking.hitRate());
                m.put("ndcg@" + k, ranking.ndcg());
                m.put("recall@" + k, ranking.recall());
                m.put("precision@" + k, ranking.precision());
                m.put("map@" + k, ranking.map());
                m.put("coverage@" + k, ranking.coverage());
            }
            return m;
        }
    }
}
