package dev.maas.recommend;

import dev.maas.ModelRef;
import java.util.List;
import java.util.Objects;

/**
 * The result of a {@link Recommender} call: scored items, best first (or in the order asked for by
 * {@link Recommender#score}), how they were produced and which model version produced them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param items the items with their scores and metadata
 * @param source how the items were chosen
 * @param model the exact model version ({@code name:version}) that served the call
 */
public record Recommendations(List<ScoredItem> items, Source source, ModelRef model) {

    /** How a result was produced. */
    public enum Source {
        /** Scored by the model for a user it knows. */
        PERSONALIZED,
        /**
         * The user is unknown to the model (not in its training data): items ranked by how many
         * interactions they had in the training data. The fallback for cold-start users.
         */
        POPULARITY,
        /** Items nearest to a query item by cosine similarity of the model's item vectors. */
        SIMILAR_ITEMS
    }

    /** Copies the items and checks the arguments. */
    public Recommendations {
        items = List.copyOf(items);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(model, "model");
    }

    /** Returns whether the user was unknown and the items come from the popularity fallback. */
    public boolean isFallback() {
        return source == Source.POPULARITY;
    }

    /** Returns the items' external ids, in result order. */
    public List<String> ids() {
        return items.stream().map(ScoredItem::id).toList();
    }

    /** Returns the number of items. */
    public int size() {
        return items.size();
    }
}
