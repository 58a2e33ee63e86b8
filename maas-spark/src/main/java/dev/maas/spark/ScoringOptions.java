package dev.maas.spark;

import dev.maas.recommend.RecommendOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The filters of {@link dev.maas.recommend.RecommendOptions} in a form that travels to Spark
 * executors: whether seen items are left out, an allowed set, excluded items, candidates, and an
 * {@link ItemFilter}. Each executor turns them into {@link RecommendOptions} once per partition, so
 * batch results follow exactly the rules of {@link dev.maas.recommend.Recommender#recommend}.
 *
 * <p>Immutable, serializable and thread-safe (if the filter is).
 */
public final class ScoringOptions implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ScoringOptions DEFAULTS = builder().build();

    private final boolean excludeSeen;
    private final ArrayList<String> allowedItems; // null: all
    private final ArrayList<String> excludedItems;
    private final ArrayList<String> candidates; // null: all
    private final ItemFilter filter; // null: none

    private ScoringOptions(Builder b) {
        this.excludeSeen = b.excludeSeen;
        this.allowedItems = b.allowedItems == null ? null : new ArrayList<>(b.allowedItems);
        this.excludedItems = new ArrayList<>(b.excludedItems);
        this.candidates = b.candidates == null ? null : new ArrayList<>(b.candidates);
        this.filter = b.filter;
    }

    /** Returns the defaults: seen items left out, every item allowed, no filter. */
    public static ScoringOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the equivalent {@link RecommendOptions}. */
    public RecommendOptions toRecommendOptions() {
        RecommendOptions.Builder b = RecommendOptions.builder().excludeSeen(excludeSeen);
        if (allowedItems != null) {
            b.allowedItems(allowedItems);
        }
        if (candidates != null) {
            b.candidates(candidates);
        }
        if (filter != null) {
            b.filter(filter);
        }
        return b.exclude(excludedItems).build();
    }

    @Override
    public String toString() {
        return "ScoringOptions"
                + toRecommendOptions().toString().substring("RecommendOptions".length());
    }

    /** Builds {@link ScoringOptions}; each setter behaves as {@link RecommendOptions.Builder}'s. */
    public static final class Builder {
        private boolean excludeSeen = true;
        private Set<String> allowedItems;
        private final Set<String> excludedItems = new LinkedHashSet<>();
        private List<String> candidates;
        private ItemFilter filter;

        private Builder() {}

        /** Sets whether items the user interacted with are left out; default {@code true}. */
        public Builder excludeSeen(boolean excludeSeen) {
            this.excludeSeen = excludeSeen;
            return this;
        }

        /**
         * Allows only these items; ids the model does not know are ignored.
         *
         * @throws IllegalStateException if an allowed set was already set
         */
        public Builder allowedItems(Collection<String> ids) {
            if (allowedItems != null) {
                throw new IllegalStateException(
                        "allowedItems was already set to " + allowedItems.size() + " items");
            }
            allowedItems = new LinkedHashSet<>(Objects.requireNonNull(ids, "ids"));
            allowedItems.forEach(id -> Objects.requireNonNull(id, "allowed item id"));
            return this;
        }

        /** Never recommends these items; ids the model does not know are ignored. */
        public Builder exclude(Collection<String> ids) {
            for (String id : Objects.requireNonNull(ids, "ids")) {
                excludedItems.add(Objects.requireNonNull(id, "excluded item id"));
            }
            return this;
        }

        /**
         * Ranks only these items; every id must be known to the model.
         *
         * @throws IllegalStateException if candidates were already set
         */
        public Builder candidates(Collection<String> ids) {
            if (candidates != null) {
                throw new IllegalStateException(
                        "candidates were already set to " + candidates.size() + " items");
            }
            candidates = List.copyOf(new LinkedHashSet<>(List.copyOf(ids)));
            return this;
        }

        /**
         * Keeps only items whose metadata passes {@code filter}.
         *
         * @throws IllegalStateException if a filter was already set
         */
        public Builder filter(ItemFilter filter) {
            if (this.filter != null) {
                throw new IllegalStateException("filter was already set");
            }
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** Returns the options. */
        public ScoringOptions build() {
            return new ScoringOptions(this);
        }
    }
}
