package dev.maas.recommend;

import dev.maas.recommend.data.ItemInfo;
import java.util.List;
import java.util.Objects;

/**
 * One item of a recommendation result: the item with its catalogue metadata, and its score.
 *
 * <p>What the score means depends on the {@link Recommendations#source() source} of the result: the
 * model's predicted preference for {@link Recommendations.Source#PERSONALIZED} (a predicted rating
 * for explicit-feedback models, an unbounded preference score for implicit ones), the item's number
 * of interactions in the training data for {@link Recommendations.Source#POPULARITY}, and the
 * cosine similarity to the query item for {@link Recommendations.Source#SIMILAR_ITEMS}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param item the item: external id, title and genres
 * @param score the score; higher is better
 */
public record ScoredItem(ItemInfo item, double score) {
    /** Checks the item. */
    public ScoredItem {
        Objects.requireNonNull(item, "item");
    }

    /** Returns the item's external id. */
    public String id() {
        return item.id();
    }

    /** Returns the item's title. */
    public String title() {
        return item.title();
    }

    /** Returns the item's genres. */
    public List<String> genres() {
        return item.genres();
    }
}
