package dev.maas.behaviour.data;

import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A log of viewing events in time order: who watched what, when (seconds since the epoch), and how
 * much of it (the watched fraction, 0 to 1). Events are held grouped by user and, within a user, in
 * time order (ties keep their insertion order), so a user's history is a contiguous row range
 * ({@link #start}, {@link #end}).
 *
 * <p>Immutable and thread-safe.
 */
public final class BehaviourLog {
    /** A watched fraction at or above this counts as finishing the title. */
    public static final float FINISHED = 0.9f;

    private final List<Title> titles;
    private final List<String> genres;
    private final List<String> userIds;
    private final int[] item;
    private final long[] time;
    private final float[] progress;
    private final int[] offsets; // user u's rows are [offsets[u], offsets[u+1])

    private BehaviourLog(
            List<Title> titles,
            List<String> genres,
            List<String> userIds,
            int[] item,
            long[] time,
            float[] progress,
            int[] offsets) {
        this.titles = titles;
        this.genres = genres;
        this.userIds = userIds;
        this.item = item;
        this.time = time;
        this.progress = progress;
        this.offsets = offsets;
    }

    /** Returns a builder over the given catalogue. */
    public static Builder builder(List<Title> titles, List<String> genres) {
        return new Builder(titles, genres);
    }

    /** Returns the catalogue, indexed by item. */
    public List<Title> titles() {
        return titles;
    }

    /** Returns the genre names. */
    public List<String> genres() {
        return genres;
    }

    /** Returns the number of users (with or without events). */
    public int numUsers() {
        return userIds.size();
    }

    /** Returns the number of titles. */
    public int numItems() {
        return titles.size();
    }

    /** Returns the external id of user {@code u}. */
    public String userId(int u) {
        return userIds.get(u);
    }

    /** Returns the external ids of the users, indexed by user. */
    public List<String> userIds() {
        return userIds;
    }

    /** Returns the number of events. */
    public int size() {
        return item.length;
    }

    /** Returns the first row of user {@code u}. */
    public int start(int u) {
        return offsets[u];
    }

    /** Returns one past the last row of user {@code u}. */
    public int end(int u) {
        return offsets[u + 1];
    }

    /** Returns the item of row {@code row}. */
    public int item(int row) {
        return item[row];
    }

    /** Returns the time of row {@code row}, in seconds. */
    public long time(int row) {
        return time[row];
    }

    /** Returns the watched fraction of row {@code row}. */
    public float progress(int row) {
        return progress[row];
    }

    /** Returns whether row {@code row} finished its title. */
    public boolean finished(int row) {
        return progress[row] >= FINISHED;
    }

    /** Returns user {@code u}'s items in time order. */
    public int[] history(int u) {
        return Arrays.copyOfRange(item, offsets[u], offsets[u + 1]);
    }

    /** Returns the time of the latest event, or {@code Long.MIN_VALUE} if there is none. */
    public long lastTime() {
        long max = Long.MIN_VALUE;
        for (long t : time) {
            max = Math.max(max, t);
        }
        return max;
    }

    /**
     * Returns the events strictly before {@code cut} (what was known at that moment). Users and
     * titles keep their indices.
     */
    public BehaviourLog before(long cut) {
        return filter(cut, false);
    }

    /** Returns each user's events but the last one (the training side of leave-last-out). */
    public BehaviourLog withoutLast() {
        return filter(Long.MAX_VALUE, true);
    }

    private BehaviourLog filter(long cut, boolean dropLast) {
        int[] newOffsets = new int[offsets.length];
        int n = 0;
        for (int u = 0; u < numUsers(); u++) {
            int end = offsets[u + 1];
            if (dropLast && end > offsets[u]) {
                end--;
            }
            for (int r = offsets[u]; r < end; r++) {
                if (time[r] < cut) {
                    n++;
                }
            }
            newOffsets[u + 1] = n;
        }
        int[] i2 = new int[n];
        long[] t2 = new long[n];
        float[] p2 = new float[n];
        int k = 0;
        for (int u = 0; u < numUsers(); u++) {
            int end = offsets[u + 1];
            if (dropLast && end > offsets[u]) {
                end--;
            }
            for (int r = offsets[u]; r < end; r++) {
                if (time[r] < cut) {
                    i2[k] = item[r];
                    t2[k] = time[r];
                    p2[k] = progress[r];
                    k++;
                }
            }
        }
        return new BehaviourLog(titles, genres, userIds, i2, t2, p2, newOffsets);
    }

    /**
     * Returns the log as implicit interactions for maas-recommend's trainers and baselines: one row
     * per event with value 1, the catalogue (with genres) as item metadata.
     */
    public Interactions toInteractions() {
        List<ItemInfo> infos = new ArrayList<>(titles.size());
        for (Title t : titles) {
            infos.add(new ItemInfo(t.id(), t.name(), List.of(genres.get(t.genre()))));
        }
        Interactions.Builder b = Interactions.builder().catalogue(infos, genres);
        for (int u = 0; u < numUsers(); u++) {
            for (int r = offsets[u]; r < offsets[u + 1]; r++) {
                b.add(userIds.get(u), titles.get(item[r]).id(), 1f, time[r]);
            }
        }
        return b.build();
    }

    /** Returns an id map of the titles, in item order. */
    public IdMap itemIds() {
        return IdMap.of(titles.stream().map(Title::id).toList());
    }

    @Override
    public String toString() {
        return size() + " events of " + numUsers() + " users on " + numItems() + " titles";
    }

    /**
     * Collects events user by user; events of one user may come in any order and are sorted by time
     * at {@link #build}. Not thread-safe.
     */
    public static final class Builder {
        private final List<Title> titles;
        private final List<String> genres;
        private final List<String> users = new ArrayList<>();
        private final List<long[]> rows = new ArrayList<>(); // {user, item, time, progressBits}

        Builder(List<Title> titles, List<String> genres) {
            this.titles = List.copyOf(titles);
            this.genres = List.copyOf(genres);
            for (Title t : this.titles) {
                if (t.genre() < 0 || t.genre() >= this.genres.size()) {
                    throw new IllegalArgumentException(
                            "title " + t.id() + " has genre " + t.genre() + " of " + genres.size());
                }
            }
        }

        /** Adds a user and returns its index. */
        public int addUser(String id) {
            users.add(Objects.requireNonNull(id, "id"));
            return users.size() - 1;
        }

        /**
         * Adds an event.
         *
         * @throws IllegalArgumentException for an unknown user or item, or a progress outside [0,
         *     1]
         */
        public Builder add(int user, int item, long time, float progress) {
            if (user < 0 || user >= users.size()) {
                throw new IllegalArgumentException("unknown user index " + user);
            }
            if (item < 0 || item >= titles.size()) {
                throw new IllegalArgumentException(
                        "unknown item index " + item + "; the catalogue has " + titles.size());
            }
            if (!(progress >= 0 && progress <= 1)) {
                throw new IllegalArgumentException("progress must be in [0, 1], was " + progress);
            }
            rows.add(new long[] {user, item, time, Float.floatToIntBits(progress)});
            return this;
        }

        /** Returns the log. */
        public BehaviourLog build() {
            long[][] sorted = rows.toArray(new long[0][]);
            // Stable: ties keep insertion order.
            Arrays.sort(
                    sorted,
                    (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[2], b[2]));
            int n = sorted.length;
            int[] item = new int[n];
            long[] time = new long[n];
            float[] progress = new float[n];
            int[] offsets = new int[users.size() + 1];
            for (int r = 0; r < n; r++) {
                item[r] = (int) sorted[r][1];
                time[r] = sorted[r][2];
                progress[r] = Float.intBitsToFloat((int) sorted[r][3]);
                offsets[(int) sorted[r][0] + 1]++;
            }
            for (int u = 0; u < users.size(); u++) {
                offsets[u + 1] += offsets[u];
            }
            return new BehaviourLog(
                    titles, genres, List.copyOf(users), item, time, progress, offsets);
        }
    }
}
