package dev.maas.recommend.retrieval;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * An immutable set of item indices, for {@link Filter}s that many queries share (for example "the
 * titles licensed in this country"): build it once, then pass it to every query without copying.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ItemSet {
    private static final ItemSet EMPTY = new ItemSet(new long[0], 0);

    /** Bit {@code i} set means item {@code i} is in the set; never exposed, never modified. */
    private final long[] words;

    private final int size;

    private ItemSet(long[] words, int size) {
        this.words = words;
        this.size = size;
    }

    /** Returns the empty set. */
    public static ItemSet empty() {
        return EMPTY;
    }

    /**
     * Returns the set of the given item indices; duplicates are ignored.
     *
     * @throws IllegalArgumentException if an index is negative
     * @throws NullPointerException if {@code items} is null
     */
    public static ItemSet of(int... items) {
        Objects.requireNonNull(items, "items");
        int max = -1;
        for (int item : items) {
            if (item < 0) {
                throw new IllegalArgumentException("item indices must be >= 0 but got " + item);
            }
            max = Math.max(max, item);
        }
        if (max < 0) {
            return EMPTY;
        }
        long[] words = new long[(max >>> 6) + 1];
        for (int item : items) {
            words[item >>> 6] |= 1L << item;
        }
        return new ItemSet(words, cardinality(words));
    }

    /**
     * Returns the set of the indices of the set bits of {@code bits}; later changes to {@code bits}
     * do not affect the returned set.
     *
     * @throws NullPointerException if {@code bits} is null
     */
    public static ItemSet of(BitSet bits) {
        Objects.requireNonNull(bits, "bits");
        long[] words = bits.toLongArray();
        return words.length == 0 ? EMPTY : new ItemSet(words, cardinality(words));
    }

    private static int cardinality(long[] words) {
        int count = 0;
        for (long w : words) {
            count += Long.bitCount(w);
        }
        return count;
    }

    /** Returns whether {@code item} is in this set; false for negative indices. */
    public boolean contains(int item) {
        int w = item >>> 6;
        return item >= 0 && w < words.length && (words[w] & (1L << item)) != 0;
    }

    /** Returns the number of items in this set. */
    public int size() {
        return size;
    }

    /** Returns whether this set has no items. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Returns the items in ascending order. */
    public int[] toArray() {
        int[] out = new int[size];
        int i = 0;
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            while (bits != 0) {
                out[i++] = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
            }
        }
        return out;
    }

    /** Returns the items as a new {@link BitSet}. */
    public BitSet toBitSet() {
        return BitSet.valueOf(words);
    }

    /** The backing words (bit {@code i} = item {@code i}); callers must not modify the array. */
    long[] words() {
        return words;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ItemSet)) {
            return false;
        }
        ItemSet other = (ItemSet) o;
        int common = Math.min(words.length, other.words.length);
        for (int i = 0; i < common; i++) {
            if (words[i] != other.words[i]) {
                return false;
            }
        }
        return size == other.size;
    }

    @Override
    public int hashCode() {
        int last = words.length;
        while (last > 0 && words[last - 1] == 0) {
            last--;
        }
        return Arrays.hashCode(Arrays.copyOf(words, last));
    }

    @Override
    public String toString() {
        return "ItemSet[size=" + size + "]";
    }
}
