package dev.maas.recommend;

import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.retrieval.ItemSet;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * How {@link Recommender#recommend(String, int, RecommendOptions)} chooses items: whether items the
 * user has already interacted with are left out, which items are allowed at all (such as "licensed
 * in this country"), an optional predicate on item metadata, and optionally an explicit list of
 * candidates to rank instead of the whole catalogue.
 *
 * <p>Every restriction applies together: an item is recommended only if it is a candidate (when
 * candidates are given), allowed (when an allowed set is given), accepted by the filter (when one
 * is given), not excluded, and not seen by the user (when seen items are excluded).
 *
 * <p>Immutable and thread-safe. Build an instance once and reuse it across calls: the allowed set
 * is resolved against a model's catalogue on first use and remembered for that model version, so a
 * large allowed set costs its lookups once, not on every call.
 */
public final class RecommendOptions {
    private static final RecommendOptions DEFAULTS = builder().build();

    private final boolean excludeSeen;
    private final Set<String> allowedItems;
    private final Predicate<ItemInfo> filter;
    private final List<String> candidates;
    private final Set<String> excludedItems;

    /** The allowed set resolved for one catalogue; replaced when the model version changes. */
    private volatile Resolved resolved;

    private record Resolved(IdMap items, ItemSet allowed) {}

    private RecommendOptions(Builder b) {
        this.excludeSeen = b.excludeSeen;
        this.allowedItems = b.allowedItems == null ? null : Set.copyOf(b.allowedItems);
        this.filter = b.filter;
        this.candidates = b.candidates == null ? null : List.copyOf(b.candidates);
        this.excludedItems = Set.copyOf(b.excludedItems);
    }

    /** Returns the defaults: seen items excluded, every item allowed, no filter. */
    public static RecommendOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether items the user interacted with in the training data are left out. */
    public boolean excludeSeen() {
        return excludeSeen;
    }

    /** Returns the ids of the only items that may be recommended, or {@code null} for all. */
    public Set<String> allowedItems() {
        return allowedItems;
    }

    /** Returns the predicate items must pass, or {@code null} for none. */
    public Predicate<ItemInfo> filter() {
        return filter;
    }

    /** Returns the items to rank instead of the whole catalogue, or {@code null} for all. */
    public List<String> candidates() {
        return candidates;
    }

    /** Returns ids that must never be recommended (for example, what is on screen already). */
    public Set<String> excludedItems() {
        return excludedItems;
    }

    /**
     * Returns the allowed set as item indices of {@code items}, or {@code null} when every item is
     * allowed. Ids the catalogue does not hold are ignored.
     */
    ItemSet allowedIndices(IdMap items) {
        if (allowedItems == null) {
            return null;
        }
        Resolved r = resolved;
        if (r != null && r.items() == items) {
            return r.allowed();
        }
        BitSet allowed = new BitSet(items.size());
        for (String id : allowedItems) {
            int i = items.indexOf(id);
            if (i >= 0) {
                allowed.set(i);
            }
        }
        ItemSet set = ItemSet.of(allowed);
        resolved = new Resolved(items, set);
        return set;
    }

    @Override
    public String toString() {
        return "RecommendOptions[excludeSeen="
                + excludeSeen
                + (allowedItems == null ? "" : ", allowed=" + allowedItems.size() + " items")
                + (filter == null ? "" : ", filter")
                + (candidates == null ? "" : ", candidates=" + candidates.size())
                + (excludedItems.isEmpty() ? "" : ", excluded=" + excludedItems.size())
                + "]";
    }

    /** Builds {@link RecommendOptions}. Not thread-safe. */
    public static final class Builder {
        private boolean excludeSeen = true;
        private Set<String> allowedItems;
        private Predicate<ItemInfo> filter;
        private List<String> candidates;
        private final Set<String> excludedItems = new LinkedHashSet<>();

        private Builder() {}

        /**
         * Sets whether items the user interacted with in the training data are left out; default
         * {@code true}.
         */
        public Builder excludeSeen(boolean excludeSeen) {
            this.excludeSeen = excludeSeen;
            return this;
        }

        /**
         * Allows only these items, such as the titles licensed in the user's country. Ids the model
         * does not know are ignored (an allow list may name titles newer than the model).
         *
         * @throws NullPointerException if the collection or an id is null
         * @throws IllegalStateException if an allowed set was already set
         */
        public Builder allowedItems(Collection<String> ids) {
            if (allowedItems != null) {
                throw new IllegalStateException(
                        "allowedItems was already set to " + allowedItems.size() + " items");
            }
            this.allowedItems = new LinkedHashSet<>(Objects.requireNonNull(ids, "ids"));
            allowedItems.forEach(id -> Objects.requireNonNull(id, "allowed item id"));
            return this;
        }

        /**
         * Keeps only items whose metadata passes {@code filter}, such as a genre. The predicate is
         * called from the calling thread, once per item considered, and must be thread-safe if the
         * options are shared.
         *
         * @throws IllegalStateException if a filter was already set
         */
        public Builder filter(Predicate<ItemInfo> filter) {
            if (this.filter != null) {
                throw new IllegalStateException("filter was already set");
            }
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /**
         * Ranks only these items instead of the whole catalogue (for example, the output of an
         * upstream candidate generator). Every id must be known to the model.
         *
         * @throws NullPointerException if the collection or an id is null
         * @throws IllegalStateException if candidates were already set
         */
        public Builder candidates(Collection<String> ids) {
            if (candidates != null) {
                throw new IllegalStateException(
                        "candidates were already set to " + candidates.size() + " items");
            }
            List<String> copy = List.copyOf(Objects.requireNonNull(ids, "ids"));
            this.candidates = List.copyOf(new LinkedHashSet<>(copy));
            return this;
        }

        /**
         * Never recommends these items. Ids the model does not know are ignored.
         *
         * @throws NullPointerException if the collection or an id is null
         */
        public Builder exclude(Collection<String> ids) {
            for (String id : Objects.requireNonNull(ids, "ids")) {
                excludedItems.add(Objects.requireNonNull(id, "excluded item id"));
            }
            return this;
        }

        /** Returns the options. */
        public RecommendOptions build() {
            return new RecommendOptions(this);
        }
    }
}
