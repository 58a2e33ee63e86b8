package dev.maas.recommend;

import dev.maas.ModelCard;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a published recommender was trained and evaluated on, kept in its card's properties under
 * {@code data.*}: catalogue size, interaction counts and how the data was split.
 *
 * <p>Immutable and thread-safe.
 *
 * @param source where the data came from, such as {@code "sample catalogue (seed 42)"} or a folder
 * @param users users in the data
 * @param items items in the catalogue
 * @param interactions interactions in the whole data set
 * @param train interactions the model was trained on
 * @param test interactions held out for evaluation (0 when none)
 * @param split how train and test were separated, such as {@code "random holdout 20%, seed 42"}
 */
public record DataSummary(
        String source,
        int users,
        int items,
        long interactions,
        long train,
        long test,
        String split) {

    /** Checks the arguments. */
    public DataSummary {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(split, "split");
        if (users < 0 || items < 0 || interactions < 0 || train < 0 || test < 0) {
            throw new IllegalArgumentException(
                    "counts must be >= 0: users="
                            + users
                            + ", items="
                            + items
                            + ", interactions="
                            + interactions
                            + ", train="
                            + train
                            + ", test="
                            + test);
        }
    }

    /** Returns the summary as card properties ({@code data.users}, ...). */
    public Map<String, String> toProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("data.source", source);
        p.put("data.users", Integer.toString(users));
        p.put("data.items", Integer.toString(items));
        p.put("data.interactions", Long.toString(interactions));
        p.put("data.train", Long.toString(train));
        p.put("data.test", Long.toString(test));
        p.put("data.split", split);
        return p;
    }

    /**
     * Reads the summary from properties written by {@link #toProperties()}.
     *
     * @throws IllegalArgumentException if a count is missing or not a number
     */
    public static DataSummary fromProperties(Map<String, String> p) {
        return new DataSummary(
                p.getOrDefault("data.source", "unknown"),
                (int) count(p, "data.users"),
                (int) count(p, "data.items"),
                count(p, "data.interactions"),
                count(p, "data.train"),
                count(p, "data.test"),
                p.getOrDefault("data.split", "unknown"));
    }

    /**
     * Returns the summary kept in {@code card}.
     *
     * @throws IllegalArgumentException if the card holds no data summary
     */
    public static DataSummary of(ModelCard card) {
        return fromProperties(card.properties());
    }

    private static long count(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key + " in the data summary");
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + v + "', expected a number");
        }
    }

    /** Returns a one-line description, such as {@code 943 users, 1682 items, 100000 ...}. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%d users, %d items, %d interactions (train %d, test %d; %s) from %s",
                users,
                items,
                interactions,
                train,
                test,
                split,
                source);
    }
}
