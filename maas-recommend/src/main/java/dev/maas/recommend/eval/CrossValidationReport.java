package dev.maas.recommend.eval;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of a {@link CrossValidation}: per model, mean ± standard deviation of each measure
 * over the runs, and the paired tests against the reference baselines. Immutable.
 *
 * @param description what was run, on which data
 * @param k the list length
 * @param rows one per model, baselines first
 */
public record CrossValidationReport(String description, int k, List<Row> rows) {

    /** Copies the rows. */
    public CrossValidationReport {
        Objects.requireNonNull(description, "description");
        rows = List.copyOf(rows);
    }

    /**
     * One model's figures.
     *
     * @param model the model's name
     * @param rmse RMSE over the runs (absent for ranking-only models)
     * @param mae MAE over the runs
     * @param ndcg NDCG@K over the runs (absent for rating-only models)
     * @param map MAP@K over the runs
     * @param hitRate HR@K over the runs
     * @param coverage catalogue coverage of the top-K lists
     * @param ndcgVsReference paired test of per-user NDCG@K against {@value
     *     CrossValidation#RANKING_REFERENCE}, or {@code null}
     * @param mseVsReference paired test of per-user squared error against {@value
     *     CrossValidation#RATING_REFERENCE}, or {@code null}
     */
    public record Row(
            String model,
            CrossValidation.Stat rmse,
            CrossValidation.Stat mae,
            CrossValidation.Stat ndcg,
            CrossValidation.Stat map,
            CrossValidation.Stat hitRate,
            CrossValidation.Stat coverage,
            PairedTest ndcgVsReference,
            PairedTest mseVsReference) {}

    /** Returns the row of {@code model}, or throws if there is none. */
    public Row row(String model) {
        return rows.stream()
                .filter(r -> r.model().equals(model))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("no row for model '" + model + "'"));
    }

    /** Returns the report as a fixed-width text table with a legend. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(description).append('\n');
        String header =
                String.format(
                        Locale.ROOT,
                        "%-16s %-17s %-17s %-17s %-8s %-8s %-26s %-26s",
                        "model",
                        "RMSE",
                        "NDCG@" + k,
                        "MAP@" + k,
                        "HR@" + k,
                        "cover",
                        "dNDCG vs popularity (p)",
                        "dMSE vs mean+biases (p)");
        sb.append(header.stripTrailing()).append('\n');
        for (Row r : rows) {
            String line =
                    String.format(
                            Locale.ROOT,
                            "%-16s %-17s %-17s %-17s %-8s %-8s %-26s %-26s",
                            r.model(),
                            pm(r.rmse()),
                            pm(r.ndcg()),
                            pm(r.map()),
                            mean(r.hitRate()),
                            mean(r.coverage()),
                            test(r.ndcgVsReference()),
                            test(r.mseVsReference()));
            sb.append(line.stripTrailing()).append('\n');
        }
        sb.append(
                "mean ± sample std over the runs; d = mean per-user difference (model - baseline),"
                        + " p = two-sided paired t-test over users");
        return sb.toString();
    }

    private static String pm(CrossValidation.Stat s) {
        return s.present() ? String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.std()) : "-";
    }

    private static String mean(CrossValidation.Stat s) {
        return s.present() ? String.format(Locale.ROOT, "%.4f", s.mean()) : "-";
    }

    private static String test(PairedTest t) {
        if (t == null) {
            return "-";
        }
        String p = t.p() < 1e-4 ? "<1e-4" : String.format(Locale.ROOT, "%.4f", t.p());
        return String.format(Locale.ROOT, "%+.4f (p %s, n %d)", t.meanDifference(), p, t.n());
    }
}
