package dev.maas.cli;

import dev.maas.recommend.Recommendations;
import dev.maas.recommend.ScoredItem;
import java.io.PrintWriter;
import java.util.Locale;

/** Small text helpers for the command's output. */
final class Format {
    private Format() {}

    /** Returns {@code 12.3k}, {@code 1.2M} or the plain number. */
    static String count(double n) {
        if (n >= 10_000_000) {
            return String.format(Locale.ROOT, "%.0fM", n / 1e6);
        }
        if (n >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        if (n >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", n / 1e3);
        }
        if (n >= 1_000) {
            return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", n);
    }

    /** Returns seconds with one decimal, such as {@code 3.4 s}. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** Returns microseconds, such as {@code 41 us} or {@code 1.2 ms}. */
    static String micros(long nanos) {
        if (nanos >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f us", nanos / 1e3);
    }

    /** Cuts {@code s} to {@code width} characters, marking the cut. */
    static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    /** Prints a numbered list of scored items: title, genres, score. */
    static void items(PrintWriter out, Recommendations recs, String indent) {
        int n = 0;
        for (ScoredItem item : recs.items()) {
            n++;
            out.println(
                    String.format(
                            Locale.ROOT,
                            "%s%2d. %-44s %-28s %s",
                            indent,
                            n,
                            cut(item.title(), 44),
                            cut(String.join(", ", item.genres()), 28),
                            score(item.score(), recs.source())));
        }
        if (n == 0) {
            out.println(indent + "(no item qualifies)");
        }
    }

    private static String score(double score, Recommendations.Source source) {
        return switch (source) {
            case POPULARITY -> String.format(Locale.ROOT, "%6d users", (long) score);
            case SIMILAR_ITEMS -> String.format(Locale.ROOT, "cos %5.3f", score);
            case PERSONALIZED -> String.format(Locale.ROOT, "%7.3f", score);
        };
    }
}
