package dev.maas.recommend.data;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A bijection between external ids (strings such as {@code "196"} or {@code "tt0114709"}) and dense
 * indices {@code 0..size()-1}, used for users and for items.
 *
 * <p>Models, factor matrices and the columnar {@link Interactions} store refer to users and items
 * only by dense index; an {@code IdMap} translates at the edges. Indices follow the order in which
 * ids were first added, so a map built from the same input is always the same.
 *
 * <p>A map of the ids {@code "1".."n"} in order ({@link #sequential(int)}, what the sample
 * catalogue and MovieLens item files produce) is stored without a hash table, so a catalogue of a
 * million items costs no memory for its ids.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class IdMap {
    private final String[] ids; // null when sequential
    private final Map<String, Integer> index; // null when sequential
    private final int size;

    private IdMap(String[] ids, Map<String, Integer> index, int size) {
        this.ids = ids;
        this.index = index;
        this.size = size;
    }

    /**
     * Returns the map of the ids {@code "1", "2", ..., String.valueOf(n)} to indices {@code
     * 0..n-1}.
     *
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public static IdMap sequential(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + n);
        }
        return new IdMap(null, null, n);
    }

    /**
     * Returns a map whose index {@code i} is {@code ids.get(i)}.
     *
     * @throws IllegalArgumentException if an id is empty, contains a control character (tab, line
     *     break) or appears twice
     * @throws NullPointerException if the list or an id is null
     */
    public static IdMap of(List<String> ids) {
        Builder builder = builder();
        for (int i = 0; i < ids.size(); i++) {
            String id = Objects.requireNonNull(ids.get(i), "id at index " + i);
            if (builder.indexOf(id) >= 0) {
                throw new IllegalArgumentException(
                        "duplicate id '" + id + "' at index " + i + " (ids must be unique)");
            }
            builder.add(id);
        }
        return builder.build();
    }

    /** Returns a builder that assigns indices in order of first appearance. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the number of ids. */
    public int size() {
        return size;
    }

    /** Returns whether the ids are exactly {@code "1".."size()"} in order. */
    public boolean isSequential() {
        if (ids == null) {
            return true;
        }
        for (int i = 0; i < size; i++) {
            if (!ids[i].equals(Integer.toString(i + 1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the external id of {@code index}.
     *
     * @throws IndexOutOfBoundsException if the index is not in {@code 0..size()-1}
     */
    public String id(int index) {
        Objects.checkIndex(index, size);
        return ids == null ? Integer.toString(index + 1) : ids[index];
    }

    /** Returns the index of {@code id}, or {@code -1} if the map does not hold it. */
    public int indexOf(String id) {
        Objects.requireNonNull(id, "id");
        if (index != null) {
            Integer i = index.get(id);
            return i == null ? -1 : i;
        }
        return sequentialIndex(id);
    }

    /** Returns whether the map holds {@code id}. */
    public boolean contains(String id) {
        return indexOf(id) >= 0;
    }

    /** Returns the ids in index order, as an unmodifiable view. */
    public List<String> ids() {
        return new AbstractList<>() {
            @Override
            public String get(int i) {
                return id(i);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private int sequentialIndex(String id) {
        int n = id.length();
        if (n == 0 || n > 10 || id.charAt(0) == '0') {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value >= 1 && value <= size ? (int) (value - 1) : -1;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof IdMap other) || other.size != size) {
            return false;
        }
        if (ids == null && other.ids == null) {
            return true;
        }
        for (int i = 0; i < size; i++) {
            if (!id(i).equals(other.id(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < Math.min(size, 64); i++) {
            h = 31 * h + id(i).hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        return "IdMap[size=" + size + (ids == null ? ", sequential" : "") + "]";
    }

    static void checkId(String id) {
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw new IllegalArgumentException(
                        "id must not contain control characters (tab, line break): '"
                                + id.replaceAll("\\p{Cntrl}", "?")
                                + "'");
            }
        }
    }

    /**
     * Collects ids in order of first appearance. Not thread-safe; {@link #build()} may be called
     * once.
     */
    public static final class Builder {
        private final ArrayList<String> ids = new ArrayList<>();
        private final HashMap<String, Integer> index = new HashMap<>();
        private boolean built;

        private Builder() {}

        /**
         * Returns the index of {@code id}, adding it with the next free index if it is new.
         *
         * @throws IllegalArgumentException if the id is empty or contains a control character
         * @throws IllegalStateException if {@link #build()} was already called
         */
        public int add(String id) {
            if (built) {
                throw new IllegalStateException("build() was already called");
            }
            Integer existing = index.get(Objects.requireNonNull(id, "id"));
            if (existing != null) {
                return existing;
            }
            checkId(id);
            int i = ids.size();
            ids.add(id);
            index.put(id, i);
            return i;
        }

        /** Returns the index of {@code id}, or {@code -1} if it has not been added. */
        public int indexOf(String id) {
            Integer i = index.get(id);
            return i == null ? -1 : i;
        }

        /** Returns the number of ids added so far. */
        public int size() {
            return ids.size();
        }

        /**
         * Returns the map.
         *
         * @throws IllegalStateException if called twice
         */
        public IdMap build() {
            if (built) {
                throw new IllegalStateException("build() was already called");
            }
            built = true;
            String[] array = ids.toArray(new String[0]);
            boolean sequential = true;
            for (int i = 0; i < array.length && sequential; i++) {
                sequential = array[i].equals(Integer.toString(i + 1));
            }
            if (sequential) {
                return new IdMap(null, null, array.length);
            }
            // The builder is spent, so its table can be shared without a copy.
            return new IdMap(array, Collections.unmodifiableMap(index), array.length);
        }
    }
}
