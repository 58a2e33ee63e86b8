package dev.maas.catalog;

import dev.maas.ModelCard;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A condition on one evaluation metric of a card, such as {@code ndcg@10>=0.3} or {@code rmse<0.9}.
 * A card without the metric does not meet it. Immutable and thread-safe.
 *
 * @param metric the metric's name, matching {@value CardValidator#LABEL_PATTERN}
 * @param operator how the card's value compares with {@code value}
 * @param value the finite number to compare with
 */
public record MetricThreshold(String metric, Operator operator, double value) {

    /** How a card's metric compares with the threshold's value. */
    public enum Operator {
        /** {@code >=}: at least the value. */
        AT_LEAST(">="),
        /** {@code >}: above the value. */
        ABOVE(">"),
        /** {@code <=}: at most the value. */
        AT_MOST("<="),
        /** {@code <}: below the value. */
        BELOW("<"),
        /** {@code =}: exactly the value. */
        EQUAL("=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        /** Returns the operator as written in a threshold, such as {@code >=}. */
        public String symbol() {
            return symbol;
        }

        boolean test(double actual, double threshold) {
            int c = Double.compare(actual, threshold);
            return switch (this) {
                case AT_LEAST -> c >= 0;
                case ABOVE -> c > 0;
                case AT_MOST -> c <= 0;
                case BELOW -> c < 0;
                case EQUAL -> c == 0;
            };
        }
    }

    private static final Pattern METRIC = Pattern.compile(CardValidator.LABEL_PATTERN);

    // A plain decimal number: no NaN, Infinity, hexadecimal or type suffixes, which
    // Double.parseDouble would accept.
    private static final Pattern NUMBER =
            Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");

    private static final String EXPECTED =
            "expected <metric><operator><number> such as ndcg@10>=0.3 or rmse<0.9, the metric"
                    + " matching "
                    + CardValidator.LABEL_PATTERN
                    + " and the operator one of >=, >, <=, <, =";

    /**
     * Validates the parts.
     *
     * @throws IllegalArgumentException if the metric name is malformed or the value not finite
     * @throws NullPointerException if the metric or operator is {@code null}
     */
    public MetricThreshold {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(operator, "operator");
        if (!METRIC.matcher(metric).matches()) {
            throw new IllegalArgumentException(
                    "invalid metric name '"
                            + shown(metric)
                            + "': expected "
                            + CardValidator.LABEL_PATTERN);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(
                    "threshold of metric '" + metric + "' must be a finite number, was " + value);
        }
    }

    /**
     * Parses {@code <metric><operator><number>}, such as {@code ndcg@10>=0.3}, {@code rmse<0.9} or
     * {@code auc = 0.5}; spaces around the parts are ignored.
     *
     * @throws IllegalArgumentException if the text is not of that form, naming the text and the
     *     form expected
     * @throws NullPointerException if {@code text} is {@code null}
     */
    public static MetricThreshold parse(String text) {
        Objects.requireNonNull(text, "metric threshold");
        int at = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '<' || c == '>' || c == '=') {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw malformed(text, "no operator");
        }
        Operator operator;
        int end;
        char c = text.charAt(at);
        boolean orEqual = at + 1 < text.length() && text.charAt(at + 1) == '=';
        if (c == '=') {
            operator = Operator.EQUAL;
            end = at + 1;
        } else if (c == '>') {
            operator = orEqual ? Operator.AT_LEAST : Operator.ABOVE;
            end = orEqual ? at + 2 : at + 1;
        } else {
            operator = orEqual ? Operator.AT_MOST : Operator.BELOW;
            end = orEqual ? at + 2 : at + 1;
        }
        String metric = text.substring(0, at).strip();
        String number = text.substring(end).strip();
        if (!METRIC.matcher(metric).matches()) {
            throw malformed(text, metric.isEmpty() ? "no metric name" : "bad metric name");
        }
        if (!NUMBER.matcher(number).matches()) {
            throw malformed(text, number.isEmpty() ? "no number" : "bad number");
        }
        double value = Double.parseDouble(number);
        if (!Double.isFinite(value)) {
            throw malformed(text, "number out of range");
        }
        return new MetricThreshold(metric, operator, value);
    }

    /** Returns whether {@code card} has the metric and its value meets this threshold. */
    public boolean test(ModelCard card) {
        Double actual = card.metrics().get(metric);
        return actual != null && operator.test(actual, value);
    }

    /** Returns the form {@link #parse(String)} reads, such as {@code ndcg@10>=0.3}. */
    @Override
    public String toString() {
        return metric + operator.symbol + value;
    }

    private static IllegalArgumentException malformed(String text, String reason) {
        return new IllegalArgumentException(
                "malformed metric threshold '" + shown(text) + "' (" + reason + "): " + EXPECTED);
    }

    private static String shown(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
