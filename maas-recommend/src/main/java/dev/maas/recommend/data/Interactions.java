package dev.maas.recommend.data;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A columnar, immutable store of user-item interactions: one row per event, held in four parallel
 * primitive arrays (user index, item index, value, timestamp) plus the {@link IdMap}s that
 * translate indices to external ids and the item catalogue ({@link ItemInfo}).
 *
 * <p>The value is an explicit rating (MovieLens: 1 to 5) or an implicit weight (a play count, or
 * {@code 1}). Timestamps are whatever the source holds; MovieLens uses seconds since the epoch, and
 * sources without time use {@code 0}. A row costs 20 bytes, so 100 million interactions fit in 2
 * GB.
 *
 * <p>The item index space is the whole catalogue: items that have metadata but no interaction yet
 * (new releases) still have an index and can be recommended. Subsets made by {@link #select(int[])}
 * and by {@link Splits} share the id maps and catalogue of their parent, so an index means the same
 * user or item in a training set and in its test set.
 *
 * <p>Instances are immutable and thread-safe. The per-user index behind {@link #itemsOf(int)} and
 * {@link #contains(int, int)} is built once, on first use.
 */
public final class Interactions {
    private final IdMap users;
    private final IdMap items;
    private final List<ItemInfo> catalogue;
    private final List<String> genres;
    private final int[] userIdx;
    private final int[] itemIdx;
    private final float[] values;
    private final long[] timestamps;

    private volatile UserIndex byUser; // lazily built; idempotent, so a race only wastes work

    /** Takes ownership of the arrays; callers in this package must not change them afterwards. */
    Interactions(
            IdMap users,
            IdMap items,
            List<ItemInfo> catalogue,
            List<String> genres,
            int[] userIdx,
            int[] itemIdx,
            float[] values,
            long[] timestamps) {
        this.users = Objects.requireNonNull(users, "users");
        this.items = Objects.requireNonNull(items, "items");
        this.catalogue = catalogue;
        this.genres = List.copyOf(genres);
        if (catalogue != null && catalogue.size() != items.size()) {
            throw new IllegalArgumentException(
                    "catalogue has "
                            + catalogue.size()
                            + " items but the item map has "
                            + items.size());
        }
        int n = userIdx.length;
        if (itemIdx.length != n || values.length != n || timestamps.length != n) {
            throw new IllegalArgumentException(
                    "columns differ in length: users="
                            + n
                            + ", items="
                            + itemIdx.length
                            + ", values="
                            + values.length
                            + ", timestamps="
                            + timestamps.length);
        }
        this.userIdx = userIdx;
        this.itemIdx = itemIdx;
        this.values = values;
        this.timestamps = timestamps;
    }

    /** Returns a builder that maps external ids to indices as it goes. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a store of rows given as indices into existing id maps, such as one shard of a larger
     * training set rebuilt on another machine: every shard made this way with the same maps shares
     * one index space ({@link #sharesIndexWith}). The arrays are copied.
     *
     * @param users the user id map of the whole data
     * @param items the item id map of the whole data
     * @param catalogue the item metadata in item order, or {@code null} for ids only
     * @param genres the genre vocabulary (may be empty)
     * @param userIdx each row's user index
     * @param itemIdx each row's item index
     * @param values each row's value
     * @param timestamps each row's timestamp, or {@code null} for all zero
     * @throws IllegalArgumentException if the columns differ in length, an index is out of range or
     *     a value is not finite
     */
    public static Interactions ofIndices(
            IdMap users,
            IdMap items,
            List<ItemInfo> catalogue,
            List<String> genres,
            int[] userIdx,
            int[] itemIdx,
            float[] values,
            long[] timestamps) {
        int n = userIdx.length;
        long[] t = timestamps == null ? new long[n] : timestamps.clone();
        for (int r = 0; r < n && r < itemIdx.length && r < values.length; r++) {
            if (userIdx[r] < 0 || userIdx[r] >= users.size()) {
                throw new IllegalArgumentException(
                        "row "
                                + r
                                + ": user index "
                                + userIdx[r]
                                + " is outside [0, "
                                + users.size()
                                + ")");
            }
            if (itemIdx[r] < 0 || itemIdx[r] >= items.size()) {
                throw new IllegalArgumentException(
                        "row "
                                + r
                                + ": item index "
                                + itemIdx[r]
                                + " is outside [0, "
                                + items.size()
                                + ")");
            }
            if (!Float.isFinite(values[r])) {
                throw new IllegalArgumentException("row " + r + ": value is " + values[r]);
            }
        }
        return new Interactions(
                users,
                items,
                catalogue == null ? null : List.copyOf(catalogue),
                genres,
                userIdx.clone(),
                itemIdx.clone(),
                values.clone(),
                t);
    }

    /** Returns the number of interactions (rows). */
    public int size() {
        return userIdx.length;
    }

    /** Returns the number of users in the index space (some may have no rows in a subset). */
    public int numUsers() {
        return users.size();
    }

    /** Returns the number of items in the catalogue (some may have no rows). */
    public int numItems() {
        return items.size();
    }

    /** Returns the user id map. */
    public IdMap users() {
        return users;
    }

    /** Returns the item id map. */
    public IdMap items() {
        return items;
    }

    /** Returns the user index of row {@code row}. */
    public int user(int row) {
        return userIdx[row];
    }

    /** Returns the item index of row {@code row}. */
    public int item(int row) {
        return itemIdx[row];
    }

    /** Returns the rating or weight of row {@code row}. */
    public float value(int row) {
        return values[row];
    }

    /** Returns the timestamp of row {@code row}. */
    public long timestamp(int row) {
        return timestamps[row];
    }

    /** Returns the user column as a read-only view (no copy). */
    public IntBuffer userColumn() {
        return IntBuffer.wrap(userIdx).asReadOnlyBuffer();
    }

    /** Returns the item column as a read-only view (no copy). */
    public IntBuffer itemColumn() {
        return IntBuffer.wrap(itemIdx).asReadOnlyBuffer();
    }

    /** Returns the value column as a read-only view (no copy). */
    public FloatBuffer valueColumn() {
        return FloatBuffer.wrap(values).asReadOnlyBuffer();
    }

    /** Returns the timestamp column as a read-only view (no copy). */
    public LongBuffer timestampColumn() {
        return LongBuffer.wrap(timestamps).asReadOnlyBuffer();
    }

    /** Returns the genre vocabulary of the catalogue, in order; empty when there is none. */
    public List<String> genres() {
        return genres;
    }

    /** Returns whether the catalogue has titles or genres (not only ids). */
    public boolean hasItemMetadata() {
        return catalogue != null;
    }

    /**
     * Returns the metadata of item {@code item}; an item without metadata has its id as title and
     * no genres.
     *
     * @throws IndexOutOfBoundsException if the index is not in {@code 0..numItems()-1}
     */
    public ItemInfo itemInfo(int item) {
        Objects.checkIndex(item, items.size());
        return catalogue == null ? ItemInfo.bare(items.id(item)) : catalogue.get(item);
    }

    /** Returns the catalogue in item-index order, as an unmodifiable list. */
    public List<ItemInfo> catalogue() {
        return new AbstractList<>() {
            @Override
            public ItemInfo get(int i) {
                return itemInfo(i);
            }

            @Override
            public int size() {
                return items.size();
            }
        };
    }

    /** Returns the mean value over all rows, or {@code NaN} when there are none. */
    public double meanValue() {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Returns the smallest value, or {@code NaN} when there are no rows. */
    public float minValue() {
        float min = Float.NaN;
        for (float v : values) {
            min = Float.isNaN(min) || v < min ? v : min;
        }
        return min;
    }

    /** Returns the largest value, or {@code NaN} when there are no rows. */
    public float maxValue() {
        float max = Float.NaN;
        for (float v : values) {
            max = Float.isNaN(max) || v > max ? v : max;
        }
        return max;
    }

    /** Returns, for each item index, the number of rows that name it. */
    public int[] itemCounts() {
        int[] counts = new int[items.size()];
        for (int i : itemIdx) {
            counts[i]++;
        }
        return counts;
    }

    /** Returns, for each user index, the number of rows that name the user. */
    public int[] userCounts() {
        int[] counts = new int[users.size()];
        for (int u : userIdx) {
            counts[u]++;
        }
        return counts;
    }

    /** Returns the number of distinct users that have at least one row. */
    public int activeUsers() {
        int n = 0;
        for (int c : userCounts()) {
            n += c > 0 ? 1 : 0;
        }
        return n;
    }

    /** Returns the sorted, distinct item indices user {@code user} interacted with (a copy). */
    public int[] itemsOf(int user) {
        UserIndex index = userIndex();
        return Arrays.copyOfRange(index.items, index.offsets[user], index.offsets[user + 1]);
    }

    /** Returns the number of distinct items user {@code user} interacted with. */
    public int distinctItemCount(int user) {
        UserIndex index = userIndex();
        return index.offsets[user + 1] - index.offsets[user];
    }

    /** Returns whether user {@code user} interacted with item {@code item}; O(log n). */
    public boolean contains(int user, int item) {
        UserIndex index = userIndex();
        return Arrays.binarySearch(index.items, index.offsets[user], index.offsets[user + 1], item)
                >= 0;
    }

    /**
     * Returns the rows at the given positions, in the given order, sharing this store's id maps and
     * catalogue.
     *
     * @throws IndexOutOfBoundsException if a position is out of range
     */
    public Interactions select(int[] rows) {
        int n = rows.length;
        int[] u = new int[n];
        int[] i = new int[n];
        float[] v = new float[n];
        long[] t = new long[n];
        for (int k = 0; k < n; k++) {
            int r = Objects.checkIndex(rows[k], userIdx.length);
            u[k] = userIdx[r];
            i[k] = itemIdx[r];
            v[k] = values[r];
            t[k] = timestamps[r];
        }
        return new Interactions(users, items, catalogue, genres, u, i, v, t);
    }

    /**
     * Returns whether {@code other} uses the same user and item index spaces as this store, so that
     * indices from one are valid in the other.
     */
    public boolean sharesIndexWith(Interactions other) {
        return (users == other.users || users.equals(other.users))
                && (items == other.items || items.equals(other.items));
    }

    /** Returns a one-line summary: users, items, rows, density and mean value. */
    public String describe() {
        double density = 100.0 * size() / Math.max(1.0, (double) numUsers() * numItems());
        return String.format(
                java.util.Locale.ROOT,
                "%d users, %d items, %d interactions (density %.2f%%, mean value %.3f)",
                numUsers(),
                numItems(),
                size(),
                density,
                meanValue());
    }

    @Override
    public String toString() {
        return "Interactions[" + describe() + "]";
    }

    private UserIndex userIndex() {
        UserIndex index = byUser;
        if (index == null) {
            index = UserIndex.build(users.size(), userIdx, itemIdx);
            byUser = index;
        }
        return index;
    }

    /** Compressed sparse rows: the sorted distinct items of user u are items[offsets[u]..]. */
    private static final class UserIndex {
        final int[] offsets;
        final int[] items;

        private UserIndex(int[] offsets, int[] items) {
            this.offsets = offsets;
            this.items = items;
        }

        static UserIndex build(int numUsers, int[] userIdx, int[] itemIdx) {
            int[] start = new int[numUsers + 1];
            for (int u : userIdx) {
                start[u + 1]++;
            }
            for (int u = 0; u < numUsers; u++) {
                start[u + 1] += start[u];
            }
            int[] fill = Arrays.copyOf(start, numUsers);
            int[] raw = new int[userIdx.length];
            for (int r = 0; r < userIdx.length; r++) {
                raw[fill[userIdx[r]]++] = itemIdx[r];
            }
            // Sort each user's run and drop repeated items in place.
            int[] offsets = new int[numUsers + 1];
            int out = 0;
            for (int u = 0; u < numUsers; u++) {
                Arrays.sort(raw, start[u], start[u + 1]);
                offsets[u] = out;
                for (int k = start[u]; k < start[u + 1]; k++) {
                    if (k == start[u] || raw[k] != raw[k - 1]) {
                        raw[out++] = raw[k];
                    }
                }
            }
            offsets[numUsers] = out;
            return new UserIndex(offsets, out == raw.length ? raw : Arrays.copyOf(raw, out));
        }
    }

    /**
     * Builds an {@link Interactions} store row by row, assigning dense indices to external ids in
     * order of first appearance. Register the catalogue first with {@link #catalogue} so that items
     * keep the catalogue's order and items nobody interacted with still get an index. Not
     * thread-safe.
     */
    public static final class Builder {
        private final IdMap.Builder users = IdMap.builder();
        private final IdMap.Builder items = IdMap.builder();
        private List<ItemInfo> catalogue;
        private List<String> genres = List.of();
        private int[] u = new int[1024];
        private int[] i = new int[1024];
        private float[] v = new float[1024];
        private long[] t = new long[1024];
        private int size;
        private boolean built;

        private Builder() {}

        /**
         * Registers the item catalogue and its genre vocabulary; item indices follow the list.
         *
         * @throws IllegalStateException if rows or a catalogue were already added
         * @throws IllegalArgumentException if an item id appears twice
         */
        public Builder catalogue(List<ItemInfo> items, List<String> genreVocabulary) {
            checkNotBuilt();
            if (catalogue != null || this.items.size() > 0) {
                throw new IllegalStateException(
                        "the catalogue must be set once, before any interaction is added");
            }
            List<ItemInfo> copy = new ArrayList<>(items.size());
            for (ItemInfo info : items) {
                Objects.requireNonNull(info, "item info");
                if (this.items.indexOf(info.id()) >= 0) {
                    throw new IllegalArgumentException(
                            "duplicate item id '" + info.id() + "' in the catalogue");
                }
                this.items.add(info.id());
                copy.add(info);
            }
            this.catalogue = copy;
            this.genres = List.copyOf(genreVocabulary);
            return this;
        }

        /** Returns whether the catalogue holds {@code itemId} (always false without catalogue). */
        public boolean hasItem(String itemId) {
            return items.indexOf(itemId) >= 0;
        }

        /**
         * Adds one interaction.
         *
         * @throws IllegalArgumentException if an id is invalid, the value is not finite, or a
         *     catalogue was registered and does not hold the item
         */
        public Builder add(String userId, String itemId, float value, long timestamp) {
            checkNotBuilt();
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("value must be finite, was " + value);
            }
            int item;
            if (catalogue != null) {
                item = items.indexOf(Objects.requireNonNull(itemId, "itemId"));
                if (item < 0) {
                    throw new IllegalArgumentException(
                            "item '" + itemId + "' is not in the catalogue");
                }
            } else {
                item = items.add(itemId);
            }
            int user = users.add(userId);
            if (size == u.length) {
                int capacity = Math.max(16, size + (size >> 1));
                u = Arrays.copyOf(u, capacity);
                i = Arrays.copyOf(i, capacity);
                v = Arrays.copyOf(v, capacity);
                t = Arrays.copyOf(t, capacity);
            }
            u[size] = user;
            i[size] = item;
            v[size] = value;
            t[size] = timestamp;
            size++;
            return this;
        }

        /** Returns the number of rows added. */
        public int size() {
            return size;
        }

        /**
         * Returns the store. The builder cannot be used afterwards.
         *
         * @throws IllegalStateException if called twice
         */
        public Interactions build() {
            checkNotBuilt();
            built = true;
            return new Interactions(
                    users.build(),
                    items.build(),
                    catalogue,
                    genres,
                    Arrays.copyOf(u, size),
                    Arrays.copyOf(i, size),
                    Arrays.copyOf(v, size),
                    Arrays.copyOf(t, size));
        }

        private void checkNotBuilt() {
            if (built) {
                throw new IllegalStateException("build() was already called");
            }
        }
    }
}
