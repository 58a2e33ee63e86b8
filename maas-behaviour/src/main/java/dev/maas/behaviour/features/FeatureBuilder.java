package dev.maas.behaviour.features;

import dev.maas.behaviour.data.BehaviourLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds per-user features at a cut from a {@link BehaviourLog}, using only events strictly before
 * the cut (events at or after it are skipped, never read into a feature), so the same features come
 * out of the full log and of {@link BehaviourLog#before(long) the log truncated at the cut}.
 *
 * <p>Features: recency (days since the last event), frequency (events in the last 7 and 28 days,
 * active days in the last 28), sessions (count in 28 days, mean titles per session; a new session
 * starts after 30 minutes without an event), completion (share of titles finished, in 28 days and
 * overall), tenure, trend (last 7 days against the 21 before), habits (weekend share of active
 * days, mean gap between active days) and the genre mix (share of events per genre). See {@link
 * #names}.
 *
 * <p>Stateless and thread-safe.
 */
public final class FeatureBuilder {
    private static final long DAY = 86_400L;
    private static final long SESSION_GAP = 30 * 60L;
    private static final String[] BASE = {
        "recency_days",
        "events_7d",
        "events_28d",
        "active_days_28d",
        "sessions_28d",
        "titles_per_session_28d",
        "completion_28d",
        "completion_all",
        "tenure_days",
        "trend_7d",
        "weekend_share",
        "mean_gap_days"
    };

    private final List<String> names;
    private final int genres;

    /** Creates a builder for logs with {@code genres} genres. */
    public FeatureBuilder(List<String> genreNames) {
        List<String> n = new ArrayList<>(List.of(BASE));
        for (String g : genreNames) {
            n.add("genre_" + g);
        }
        this.names = List.copyOf(n);
        this.genres = genreNames.size();
    }

    /** Returns the feature names, in column order. */
    public List<String> names() {
        return names;
    }

    /**
     * Returns the features of every user with at least one event before {@code cut}.
     *
     * @throws IllegalArgumentException if the log's genres differ from this builder's
     */
    public UserFeatures build(BehaviourLog log, long cut) {
        if (log.genres().size() != genres) {
            throw new IllegalArgumentException(
                    "log has "
                            + log.genres().size()
                            + " genres, features were built for "
                            + genres);
        }
        int w = names.size();
        List<Integer> users = new ArrayList<>();
        float[] all = new float[log.numUsers() * w];
        int rows = 0;
        for (int u = 0; u < log.numUsers(); u++) {
            if (userRow(log, u, cut, all, rows * w)) {
                users.add(u);
                rows++;
            }
        }
        float[] values = java.util.Arrays.copyOf(all, rows * w);
        return new UserFeatures(
                names, users.stream().mapToInt(Integer::intValue).toArray(), values, cut);
    }

    /** Returns the features of one user, or {@code null} without events before the cut. */
    public float[] buildOne(BehaviourLog log, int user, long cut) {
        float[] row = new float[names.size()];
        return userRow(log, user, cut, row, 0) ? row : null;
    }

    private boolean userRow(BehaviourLog log, int u, long cut, float[] out, int at) {
        int start = log.start(u);
        int end = start;
        while (end < log.end(u) && log.time(end) < cut) { // events at or after the cut: skipped
            end++;
        }
        if (end == start) {
            return false;
        }
        long last = log.time(end - 1);
        long first = log.time(start);
        int e7 = 0;
        int e28 = 0;
        int eOlder = 0; // [cut-28d, cut-7d)
        int finished28 = 0;
        int finishedAll = 0;
        int sessions28 = 0;
        int[] genreCount = new int[genres];
        long prevDay = Long.MIN_VALUE;
        int activeDays = 0;
        int activeDays28 = 0;
        int weekendDays = 0;
        long prevTime = Long.MIN_VALUE;
        for (int r = start; r < end; r++) {
            long t = log.time(r);
            boolean in28 = t >= cut - 28 * DAY;
            boolean in7 = t >= cut - 7 * DAY;
            boolean fin = log.finished(r);
            if (in7) {
                e7++;
            } else if (in28) {
                eOlder++;
            }
            if (in28) {
                e28++;
                if (fin) {
                    finished28++;
                }
                if (prevTime == Long.MIN_VALUE || t - prevTime > SESSION_GAP) {
                    sessions28++;
                }
            }
            if (fin) {
                finishedAll++;
            }
            genreCount[log.titles().get(log.item(r)).genre()]++;
            long day = Math.floorDiv(t, DAY);
            if (day != prevDay) {
                activeDays++;
                if (in28) {
                    activeDays28++;
                }
                if (Math.floorMod(day + 3, 7) >= 5) { // 1970-01-01 was a Thursday
                    weekendDays++;
                }
                prevDay = day;
            }
            prevTime = t;
        }
        int n = end - start;
        float tenure = (cut - first) / (float) DAY;
        float[] base = {
            (cut - last) / (float) DAY,
            e7,
            e28,
            activeDays28,
            sessions28,
            sessions28 == 0 ? 0 : e28 / (float) sessions28,
            e28 == 0 ? -1 : finished28 / (float) e28,
            finishedAll / (float) n,
            tenure,
            e7 / (eOlder / 3f + 1f),
            weekendDays / (float) activeDays,
            activeDays <= 1 ? tenure : ((last - first) / (float) DAY) / (activeDays - 1)
        };
        System.arraycopy(base, 0, out, at, base.length);
        for (int g = 0; g < genres; g++) {
            out[at + base.length + g] = genreCount[g] / (float) n;
        }
        return true;
    }

    /**
     * Returns, for each row of {@code features}, whether the user has an event in {@code [cut, cut
     * + horizon)} of {@code log}: 1 if they return, 0 if not (the "returns within" label).
     */
    public static float[] returnsWithin(BehaviourLog log, UserFeatures features, long horizon) {
        float[] y = new float[features.rows()];
        long cut = features.cut();
        for (int i = 0; i < y.length; i++) {
            int u = features.users()[i];
            for (int r = log.start(u); r < log.end(u); r++) {
                long t = log.time(r);
                if (t >= cut && t < cut + horizon) {
                    y[i] = 1;
                    break;
                }
            }
        }
        return y;
    }
}
