package dev.maas.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into search tokens: lower-cased, cut at every character that is not a letter or a
 * digit. Text is never read as a pattern, so no character of it means anything special. Stateless
 * and thread-safe.
 */
final class Tokens {
    private Tokens() {}

    /** Returns the tokens of {@code text} in order, duplicates kept; none for {@code null}. */
    static List<String> of(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        int start = -1;
        int i = 0;
        while (i < lower.length()) {
            int cp = lower.codePointAt(i);
            if (Character.isLetterOrDigit(cp)) {
                if (start < 0) {
                    start = i;
                }
            } else if (start >= 0) {
                out.add(lower.substring(start, i));
                start = -1;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(lower.substring(start));
        }
        return out;
    }

    /** Returns the tokens of every text in {@code texts}. */
    static List<String> of(Collection<String> texts) {
        List<String> out = new ArrayList<>();
        for (String t : texts) {
            out.addAll(of(t));
        }
        return out;
    }

    /** Returns whether a token of {@code field} equals {@code term} or starts with it. */
    static boolean anyStartsWith(List<String> field, String term) {
        for (String token : field) {
            if (token.startsWith(term)) {
                return true;
            }
        }
        return false;
    }
}
