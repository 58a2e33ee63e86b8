package dev.maas.recommend.retrieval;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * Restricts which items a top-K query may return: items to exclude (for example those the user has
 * already seen), a set of allowed items (for example the titles licensed in the user's country),
 * and an optional explicit candidate list, in which case only those items are scored.
 *
 * <p>An item is returned only if it is not excluded, is allowed (when an allowed set is given) and
 * is a candidate (when a candidate list is given). Indices beyond the index's size in the excluded
 * or allowed sets are ignored; candidates must lie inside the index.
 *
 * <p>Instances are immutable and safe to share between threads; {@link BitSet} arguments are
 * copied. To reuse a large allowed set across many queries without copying it each time, wrap it
 * once in an {@link ItemSet}.
 */
public final class Filter {
    private static final Filter NONE = new Filter(null, null, null);

    private final ItemSet excluded;
    private final ItemSet allowed;

    /** Sorted, distinct, non-negative; null when every item is a candidate. */
    private final int[] candidates;

    private Filter(ItemSet excluded, ItemSet allowed, int[] candidates) {
        this.excluded = excluded;
        this.allowed = allowed;
        this.candidates = candidates;
    }

    /** Returns the filter that lets every item through. */
    public static Filter none() {
        return NONE;
    }

    /** Returns a filter that excludes the given items. */
    public static Filter excluding(int... items) {
        return builder().exclude(items).build();
    }

    /** Returns a filter that excludes the given items. */
    public static Filter excluding(ItemSet items) {
        return builder().exclude(items).build();
    }

    /** Returns a filter that lets only the given items through. */
    public static Filter allowedOnly(ItemSet allowed) {
        return builder().allowOnly(allowed).build();
    }

    /** Returns a filter that scores only the given candidate items; duplicates are ignored. */
    public static Filter candidates(int... items) {
        return builder().candidates(items).build();
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the excluded items, empty when none are. */
    public ItemSet excluded() {
        return excluded == null ? ItemSet.empty() : excluded;
    }

    /** Returns whether this filter has an allowed set. */
    public boolean hasAllowed() {
        return allowed != null;
    }

    /** Returns the allowed items; only meaningful when {@link #hasAllowed()} is true. */
    public ItemSet allowed() {
        return allowed == null ? ItemSet.empty() : allowed;
    }

    /** Returns whether this filter restricts scoring to a candidate list. */
    public boolean hasCandidates() {
        return candidates != null;
    }

    /** Returns a copy of the candidate list (ascending, distinct), empty when there is none. */
    public int[] candidateItems() {
        return candidates == null ? new int[0] : candidates.clone();
    }

    /** Returns whether this filter lets every item through. */
    public boolean isNone() {
        return excluded == null && allowed == null && candidates == null;
    }

    /** Returns whether {@code item} passes the excluded and allowed sets (not the candidates). */
    boolean accepts(int item) {
        return (allowed == null || allowed.contains(item))
                && (excluded == null || !excluded.contains(item));
    }

    /** Allowed words for the scan loops, or null when every item is allowed. */
    long[] allowWords() {
        return allowed == null ? null : allowed.words();
    }

    /** Excluded words for the scan loops, or null when nothing is excluded. */
    long[] excludeWords() {
        return excluded == null ? null : excluded.words();
    }

    /** The candidate array itself (sorted, distinct), or null; callers must not modify it. */
    int[] candidatesUnsafe() {
        return candidates;
    }

    /**
     * Returns the bits of the items {@code start .. start + width - 1} that pass the allowed and
     * excluded sets, starting from {@code lanes} (bit {@code i} = item {@code start + i}). {@code
     * start} must be a multiple of {@code width} and {@code width} a power of two {@code <= 64}, so
     * the range never straddles a word.
     */
    static long laneMask(long[] allow, long[] exclude, int start, long lanes) {
        int w = start >>> 6;
        int shift = start & 63;
        if (allow != null) {
            lanes &= w < allow.length ? allow[w] >>> shift : 0L;
        }
        if (exclude != null && w < exclude.length) {
            lanes &= ~(exclude[w] >>> shift);
        }
        return lanes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Filter)) {
            return false;
        }
        Filter other = (Filter) o;
        return Objects.equals(excluded, other.excluded)
                && Objects.equals(allowed, other.allowed)
                && Arrays.equals(candidates, other.candidates);
    }

    @Override
    public int hashCode() {
        return Objects.hash(excluded, allowed, Arrays.hashCode(candidates));
    }

    @Override
    public String toString() {
        return "Filter[excluded="
                + (excluded == null ? 0 : excluded.size())
                + ", allowed="
                + (allowed == null ? "all" : String.valueOf(allowed.size()))
                + ", candidates="
                + (candidates == null ? "all" : String.valueOf(candidates.length))
                + "]";
    }

    /** Builds a {@link Filter}; each part may be set once. Not thread-safe; the built filter is. */
    public static final class Builder {
        private ItemSet excluded;
        private ItemSet allowed;
        private int[] candidates;

        private Builder() {}

        /**
         * Excludes the given items.
         *
         * @throws IllegalStateException if the excluded items were already set
         * @throws IllegalArgumentException if an index is negative
         */
        public Builder exclude(int... items) {
            return exclude(ItemSet.of(items));
        }

        /**
         * Excludes the items whose bits are set; the bit set is copied.
         *
         * @throws IllegalStateException if the excluded items were already set
         */
        public Builder exclude(BitSet items) {
            return exclude(ItemSet.of(items));
        }

        /**
         * Excludes the given items.
         *
         * @throws IllegalStateException if the excluded items were already set
         */
        public Builder exclude(ItemSet items) {
            Objects.requireNonNull(items, "items");
            if (excluded != null) {
                throw new IllegalStateException("excluded items were already set to " + excluded);
            }
            excluded = items;
            return this;
        }

        /**
         * Lets only the items whose bits are set through; the bit set is copied.
         *
         * @throws IllegalStateException if the allowed items were already set
         */
        public Builder allowOnly(BitSet items) {
            return allowOnly(ItemSet.of(items));
        }

        /**
         * Lets only the given items through.
         *
         * @throws IllegalStateException if the allowed items were already set
         */
        public Builder allowOnly(ItemSet items) {
            Objects.requireNonNull(items, "items");
            if (allowed != null) {
                throw new IllegalStateException("allowed items were already set to " + allowed);
            }
            allowed = items;
            return this;
        }

        /**
         * Scores only the given items (duplicates are ignored); the array is copied.
         *
         * @throws IllegalStateException if the candidates were already set
         * @throws IllegalArgumentException if an index is negative
         */
        public Builder candidates(int... items) {
            Objects.requireNonNull(items, "items");
            if (candidates != null) {
                throw new IllegalStateException(
                        "candidates were already set to " + candidates.length + " items");
            }
            int[] sorted = items.clone();
            Arrays.sort(sorted);
            int distinct = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (sorted[i] < 0) {
                    throw new IllegalArgumentException(
                            "candidate item indices must be >= 0 but got " + sorted[i]);
                }
                if (i == 0 || sorted[i] != sorted[i - 1]) {
                    sorted[distinct++] = sorted[i];
                }
            }
            candidates = distinct == sorted.length ? sorted : Arrays.copyOf(sorted, distinct);
            return this;
        }

        /** Returns the filter. */
        public Filter build() {
            if (excluded == null && allowed == null && candidates == null) {
                return NONE;
            }
            return new Filter(excluded, allowed, candidates);
        }
    }
}
