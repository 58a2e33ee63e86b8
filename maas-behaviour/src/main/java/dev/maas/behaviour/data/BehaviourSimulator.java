package dev.maas.behaviour.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates a viewing log with the time dynamics real services show, seeded and fast (about a
 * hundred thousand events in well under a second):
 *
 * <ul>
 *   <li><b>Sessions and binges</b>: on an active day a user has one or two sessions of several
 *       titles back to back; binge-watchers have longer sessions.
 *   <li><b>Series in order</b>: a user keeps up to two series open and continues them episode by
 *       episode, often alternating between them, so what comes next depends on more than the last
 *       title.
 *   <li><b>Drifting tastes</b>: each user's genre preferences move from one favourite genre towards
 *       another over the period.
 *   <li><b>Habits</b>: daily viewers, occasional viewers and weekend-only viewers; a gap of four
 *       days means little for a weekend viewer and a lot for a daily one.
 *   <li><b>Lapse and churn</b>: some users fade out (fewer days, shorter sessions, fewer titles
 *       finished) over the days before they stop; a few come back briefly.
 *   <li><b>Completion</b>: titles of favourite genres are finished more often; unfinished series
 *       are often abandoned.
 * </ul>
 *
 * <p>Day 0 starts at {@link #EPOCH}; days 5 and 6 of each week are the weekend. Thread-safe
 * (immutable); each {@link #generate()} call returns the same log.
 */
public final class BehaviourSimulator {
    /** Seconds since the epoch of day 0 (a Monday, 2024-01-01). */
    public static final long EPOCH = 1_704_067_200L;

    /** Seconds in a day. */
    public static final long DAY = 86_400L;

    private static final String[] GENRES = {
        "drama", "comedy", "thriller", "documentary", "animation", "sci-fi", "romance", "crime"
    };

    private final int users;
    private final int days;
    private final int series;
    private final int films;
    private final long seed;

    private BehaviourSimulator(Builder b) {
        this.users = b.users;
        this.days = b.days;
        this.series = b.series;
        this.films = b.films;
        this.seed = b.seed;
    }

    /** Returns a builder with the defaults (600 users, 70 days, 40 series, 150 films, seed 42). */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the number of simulated days. */
    public int days() {
        return days;
    }

    /** Returns the start of day {@code d}, in seconds since the epoch. */
    public static long dayStart(int d) {
        return EPOCH + d * DAY;
    }

    /** Generates the log. */
    public BehaviourLog generate() {
        SplittableRandom random = new SplittableRandom(seed);
        List<Title> titles = new ArrayList<>();
        List<int[]> seriesItems = new ArrayList<>(); // series -> item indices of its episodes
        List<Integer> seriesGenre = new ArrayList<>();
        for (int s = 0; s < series; s++) {
            int genre = random.nextInt(GENRES.length);
            int episodes = 6 + random.nextInt(7);
            int minutes = 22 + random.nextInt(40);
            int[] items = new int[episodes];
            for (int e = 1; e <= episodes; e++) {
                items[e - 1] = titles.size();
                titles.add(
                        new Title(
                                "s" + s + "e" + e,
                                "Series " + s + ", episode " + e,
                                genre,
                                s,
                                e,
                                minutes));
            }
            seriesItems.add(items);
            seriesGenre.add(genre);
        }
        int firstFilm = titles.size();
        for (int f = 0; f < films; f++) {
            titles.add(
                    new Title(
                            "f" + f,
                            "Film " + f,
                            random.nextInt(GENRES.length),
                            -1,
                            0,
                            80 + random.nextInt(70)));
        }
        // Starting points (a series' first episode, or a film) with Zipf-like popularity.
        int starts = series + films;
        double[] startWeight = new double[starts];
        int[] startItem = new int[starts];
        int[] startGenre = new int[starts];
        for (int i = 0; i < starts; i++) {
            startItem[i] = i < series ? seriesItems.get(i)[0] : firstFilm + (i - series);
            startGenre[i] = titles.get(startItem[i]).genre();
            startWeight[i] = 1.0 / Math.pow(1 + random.nextInt(starts), 0.8);
        }

        BehaviourLog.Builder log = BehaviourLog.builder(titles, List.of(GENRES));
        for (int u = 0; u < users; u++) {
            int user = log.addUser("u" + u);
            simulateUser(
                    random.split(),
                    log,
                    user,
                    titles,
                    seriesItems,
                    startItem,
                    startGenre,
                    startWeight);
        }
        return log.build();
    }

    private void simulateUser(
            SplittableRandom r,
            BehaviourLog.Builder log,
            int user,
            List<Title> titles,
            List<int[]> seriesItems,
            int[] startItem,
            int[] startGenre,
            double[] startWeight) {
        int g = GENRES.length;
        int fromGenre = r.nextInt(g);
        int toGenre = r.nextDouble() < 0.5 ? fromGenre : r.nextInt(g);
        int second = r.nextInt(g);
        double habit = r.nextDouble();
        boolean weekendOnly = habit < 0.2;
        double dailyRate = weekendOnly ? 0.85 : habit < 0.6 ? 0.25 + 0.2 * r.nextDouble() : 0.75;
        boolean binger = r.nextDouble() < 0.3;
        double patience = 0.55 + 0.4 * r.nextDouble();
        int joinDay = r.nextDouble() < 0.7 ? 0 : r.nextInt(days / 2);
        // Lapse: the day activity starts to fade; the user is gone ten days later.
        int lapseDay = r.nextDouble() < 0.45 ? joinDay + 7 + r.nextInt(days) : Integer.MAX_VALUE;
        boolean[] seen = new boolean[titles.size()];
        int[] open = {-1, -1}; // open series
        int[] nextEpisode = new int[seriesItems.size()];
        long busyUntil = Long.MIN_VALUE; // sessions never overlap, even past midnight
        for (int d = joinDay; d < days; d++) {
            boolean weekend = d % 7 >= 5;
            double rate = weekendOnly ? (weekend ? dailyRate : 0.02) : dailyRate;
            double fade = 1;
            if (d >= lapseDay) {
                fade = Math.max(0, 1 - (d - lapseDay) / 10.0);
                if (fade == 0) {
                    rate = 0.01; // a rare return
                }
            }
            if (r.nextDouble() >= rate * (0.3 + 0.7 * fade)) {
                continue;
            }
            double drift = (d - joinDay) / (double) Math.max(1, days - joinDay);
            int sessions = r.nextDouble() < 0.25 ? 2 : 1;
            for (int s = 0; s < sessions; s++) {
                // A second session starts at least 45 minutes after the first one ended.
                long t =
                        Math.max(
                                dayStart(d) + (s == 0 ? 18 : 21) * 3600L + r.nextInt(3600),
                                busyUntil + 45 * 60);
                double meanTitles = (binger ? 5 : 2.2) * (0.4 + 0.6 * fade);
                int n = Math.min(12, 1 + (int) (-Math.log(1 - r.nextDouble()) * (meanTitles - 1)));
                for (int k = 0; k < n; k++) {
                    int item = -1;
                    int continueSlot = -1;
                    if (open[0] >= 0 || open[1] >= 0) {
                        if (r.nextDouble() < 0.75) {
                            continueSlot =
                                    open[1] < 0 || (open[0] >= 0 && r.nextDouble() < 0.6) ? 0 : 1;
                            if (open[continueSlot] < 0) {
                                continueSlot = 1 - continueSlot;
                            }
                            int sr = open[continueSlot];
                            item = seriesItems.get(sr)[nextEpisode[sr]];
                        }
                    }
                    if (item < 0) {
                        item =
                                pickStart(
                                        r,
                                        startItem,
                                        startGenre,
                                        startWeight,
                                        seen,
                                        fromGenre,
                                        toGenre,
                                        second,
                                        drift);
                        if (item < 0) {
                            break;
                        }
                    }
                    Title title = titles.get(item);
                    double affinity = affinity(title.genre(), fromGenre, toGenre, second, drift);
                    double pFinish =
                            Math.min(0.97, patience * (0.55 + 0.6 * affinity) * (0.5 + 0.5 * fade));
                    boolean done = r.nextDouble() < pFinish;
                    float progress = done ? 1f : (float) (0.05 + 0.8 * r.nextDouble());
                    log.add(user, item, t, progress);
                    seen[item] = true;
                    t += (long) (title.minutes() * 60 * progress) + 60;
                    busyUntil = t;
                    if (title.isEpisode()) {
                        int sr = title.series();
                        int slot = open[0] == sr ? 0 : open[1] == sr ? 1 : -1;
                        if (slot < 0) {
                            slot = open[0] < 0 ? 0 : open[1] < 0 ? 1 : r.nextInt(2);
                            open[slot] = sr;
                        }
                        nextEpisode[sr] = title.episode();
                        boolean last = title.episode() == seriesItems.get(sr).length;
                        if (last || (!done && r.nextDouble() < 0.5)) {
                            open[slot] = -1; // finished or abandoned
                            if (!last) {
                                // abandoned: never come back to it
                                for (int e : seriesItems.get(sr)) {
                                    seen[e] = true;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static double affinity(int genre, int from, int to, int second, double drift) {
        double a = 0;
        if (genre == from) {
            a += 1 - drift;
        }
        if (genre == to) {
            a += drift;
        }
        if (genre == second) {
            a += 0.4;
        }
        return Math.min(1, a);
    }

    private static int pickStart(
            SplittableRandom r,
            int[] startItem,
            int[] startGenre,
            double[] startWeight,
            boolean[] seen,
            int from,
            int to,
            int second,
            double drift) {
        double total = 0;
        double[] w = new double[startItem.length];
        for (int i = 0; i < startItem.length; i++) {
            if (!seen[startItem[i]]) {
                w[i] = startWeight[i] * (0.05 + affinity(startGenre[i], from, to, second, drift));
                total += w[i];
            }
        }
        if (total <= 0) {
            return -1;
        }
        double x = r.nextDouble() * total;
        for (int i = 0; i < w.length; i++) {
            x -= w[i];
            if (x <= 0 && w[i] > 0) {
                return startItem[i];
            }
        }
        for (int i = w.length - 1; i >= 0; i--) {
            if (w[i] > 0) {
                return startItem[i];
            }
        }
        return -1;
    }

    /** Builds a {@link BehaviourSimulator}; every setter checks its argument. Not thread-safe. */
    public static final class Builder {
        private int users = 600;
        private int days = 70;
        private int series = 40;
        private int films = 150;
        private long seed = 42;

        private Builder() {}

        /** Sets the number of users (default 600). */
        public Builder users(int users) {
            this.users = positive("users", users);
            return this;
        }

        /** Sets the number of simulated days, at least 14 (default 70). */
        public Builder days(int days) {
            if (days < 14) {
                throw new IllegalArgumentException("days must be at least 14, was " + days);
            }
            this.days = days;
            return this;
        }

        /** Sets the number of series (default 40). */
        public Builder series(int series) {
            this.series = positive("series", series);
            return this;
        }

        /** Sets the number of films (default 150). */
        public Builder films(int films) {
            this.films = positive("films", films);
            return this;
        }

        /** Sets the seed (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Returns the simulator. */
        public BehaviourSimulator build() {
            return new BehaviourSimulator(this);
        }

        private static int positive(String what, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive, was " + v);
            }
            return v;
        }
    }
}
