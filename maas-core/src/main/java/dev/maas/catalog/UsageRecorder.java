package dev.maas.catalog;

import dev.maas.ModelRef;
import dev.maas.access.Principal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;

/**
 * Counts calls to models per model, version, principal and day, cheaply enough to do on every call:
 * recording is a map lookup or two and a {@link LongAdder} increment, with no lock, no I/O and, on
 * a {@link Counter} handle, no allocation. The day is the one the injected {@link Clock} says, in
 * the clock's time zone, when the call is recorded; the recorder keeps the current day's bounds, so
 * checking it costs one {@link Clock#millis()} and two comparisons.
 *
 * <p>Counts flow as follows, so that none is lost or counted twice:
 *
 * <ul>
 *   <li>A recorded call is in the reads ({@link #total}, {@link #byVersion}, {@link #byPrincipal},
 *       {@link #byDay}, {@link #totals}) from the moment it is recorded.
 *   <li>{@link #drain()} returns the calls recorded since the previous drain, as rows to persist;
 *       each recorded call is returned by exactly one drain. Drained calls stay in the reads.
 *   <li>{@link #restore} gives back rows a drain returned that could not be persisted: the next
 *       drain returns them again; the reads do not change.
 *   <li>{@link #merge} adds counts persisted earlier (typically by a previous run, read back at
 *       start) to the reads; merged counts are never drained.
 * </ul>
 *
 * <p>So a store that merges what it holds once when the recorder is created, then adds each drain's
 * rows (restoring them if that fails), holds exactly the calls made, and the reads here show what
 * it holds plus what is still to be drained. Never merge rows this recorder drained: they are
 * already in its reads.
 *
 * <p>Memory: {@link #byDay} keeps the last {@code daysKept} days (today included, 90 by default).
 * At each drain, older days whose calls are all drained are folded into per-(model, version,
 * principal) totals, which {@link #total}, {@link #byVersion}, {@link #byPrincipal} and {@link
 * #totals} still include; merged rows for older days are folded at once. Memory is therefore
 * bounded by the keys seen times {@code daysKept}, provided {@code drain} is called at least daily.
 * A clock that steps back more than {@code daysKept} days while calls are being recorded may lose
 * the calls recorded at that time.
 *
 * <p>This class is thread-safe. Recording is lock-free; drain, restore and merge are serialised
 * among themselves (and never block recording). Reads are not snapshots when calls are recorded
 * concurrently: each count includes at least every call recorded before the read began.
 */
public final class UsageRecorder {
    /** How many days {@link #byDay} keeps by default. */
    public static final int DEFAULT_DAYS_KEPT = 90;

    /** Never in range, so that a new series rolls to its first day on its first call. */
    private static final Day NO_DAY = new Day(null, Long.MIN_VALUE, Long.MIN_VALUE);

    private static final Comparator<UsageRow> ROW_ORDER =
            Comparator.comparing(UsageRow::model)
                    .thenComparingInt(UsageRow::version)
                    .thenComparing(UsageRow::principal)
                    .thenComparing(UsageRow::day);

    private final Clock clock;
    private final ZoneId zone;
    private final int daysKept;
    private final ConcurrentHashMap<String, ModelUsage> models = new ConcurrentHashMap<>();

    /** Serialises drain, restore and merge. */
    private final Object lock = new Object();

    /**
     * Write-held while old days move into their series' folded totals, so reads count them once.
     */
    private final StampedLock folding = new StampedLock();

    /** Creates a recorder on the UTC system clock that keeps {@value #DEFAULT_DAYS_KEPT} days. */
    public UsageRecorder() {
        this(Clock.systemUTC(), DEFAULT_DAYS_KEPT);
    }

    /**
     * Creates a recorder on {@code clock} that keeps {@value #DEFAULT_DAYS_KEPT} days.
     *
     * @param clock the time source; its zone decides where days begin
     */
    public UsageRecorder(Clock clock) {
        this(clock, DEFAULT_DAYS_KEPT);
    }

    /**
     * Creates a recorder.
     *
     * @param clock the time source; its zone decides where days begin
     * @param daysKept how many days (today included) {@link #byDay} keeps day by day
     * @throws IllegalArgumentException if {@code daysKept} is less than 1
     */
    public UsageRecorder(Clock clock, int daysKept) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.zone = clock.getZone();
        if (daysKept < 1) {
            throw new IllegalArgumentException("daysKept must be >= 1, was " + daysKept);
        }
        this.daysKept = daysKept;
    }

    /**
     * Records one call to {@code version} of {@code model} by {@code principal}, on today's date.
     * The first call for a key validates it; later calls find it without allocating.
     *
     * @throws IllegalArgumentException if the name, version or principal id is malformed
     */
    public void record(String model, int version, String principal) {
        series(model, version, principal).increment();
    }

    /**
     * Returns the counter of calls to {@code version} of {@code model} by {@code principal}, for
     * callers that record the same key often: its {@link Counter#increment()} skips the lookups.
     * The same key always gives the same counter.
     *
     * @throws IllegalArgumentException if the name, version or principal id is malformed
     */
    public Counter counter(String model, int version, String principal) {
        return series(model, version, principal);
    }

    /** Returns all the calls to {@code model} recorded or merged; 0 for a model never seen. */
    public long total(String model) {
        return read(model, m -> new long[1], (acc, s, day, n) -> acc[0] += n)[0];
    }

    /** Returns the calls to {@code model} by version, in version order; empty if never seen. */
    public Map<Integer, Long> byVersion(String model) {
        return unmodifiable(
                read(
                        model,
                        m -> new TreeMap<>(),
                        (acc, s, d, n) -> acc.merge(s.version, n, Long::sum)));
    }

    /** Returns the calls to {@code model} by principal id, in id order; empty if never seen. */
    public Map<String, Long> byPrincipal(String model) {
        return unmodifiable(
                read(
                        model,
                        m -> new TreeMap<>(),
                        (acc, s, d, n) -> acc.merge(s.principal, n, Long::sum)));
    }

    /**
     * Returns the calls to {@code model} by day, in date order, over the last {@code daysKept} days
     * and any older days not yet folded (see the class description); empty if never seen.
     */
    public Map<LocalDate, Long> byDay(String model) {
        return unmodifiable(
                read(
                        model,
                        m -> new TreeMap<>(),
                        (acc, s, day, n) -> {
                            if (day != null) {
                                acc.merge(day, n, Long::sum);
                            }
                        }));
    }

    /** Returns every model's total calls, by model name in name order, for "most used" rankings. */
    public Map<String, Long> totals() {
        SortedMap<String, Long> totals = new TreeMap<>();
        for (String model : models.keySet()) {
            long n = total(model);
            if (n != 0) {
                totals.put(model, n);
            }
        }
        return Collections.unmodifiableSortedMap(totals);
    }

    /**
     * Returns the calls recorded since the previous drain (or since creation, or given back by
     * {@link #restore}), as an unmodifiable list of one row per model, version, principal and day
     * with calls, sorted in that order; and marks them drained. Drained calls stay in the reads.
     * Also folds old days (see the class description). Runs concurrently with recording: a call
     * recorded during a drain is returned by this drain or the next one, never both.
     */
    public List<UsageRow> drain() {
        synchronized (lock) {
            LocalDate firstKept = today().minusDays(daysKept - 1L);
            List<UsageRow> rows = new ArrayList<>();
            List<Series> olderSeries = new ArrayList<>();
            List<Day> olderDays = new ArrayList<>();
            for (ModelUsage m : models.values()) {
                for (PrincipalUsage p : m.principals.values()) {
                    for (Series s : p.versions) {
                        for (Day d : s.days.values()) {
                            // The adder's sum never decreases (nothing resets it), so the delta
                            // over the previous drain's sum is exact even while calls arrive.
                            long recorded = d.count.sum();
                            long delta = recorded - d.drained;
                            if (delta > 0) {
                                rows.add(
                                        new UsageRow(
                                                s.model, s.version, s.principal, d.date, delta));
                                d.drained = recorded;
                            }
                            if (d.date.isBefore(firstKept) && d != s.current) {
                                olderSeries.add(s);
                                olderDays.add(d);
                            }
                        }
                    }
                }
            }
            if (!olderDays.isEmpty()) {
                fold(olderSeries, olderDays);
            }
            rows.sort(ROW_ORDER);
            return Collections.unmodifiableList(rows);
        }
    }

    /**
     * Gives back rows returned by {@link #drain()} that could not be persisted: the next drain
     * returns their counts again. The reads do not change (the calls were never removed from them).
     * Give back only rows a drain returned, each once.
     *
     * @throws NullPointerException if {@code rows} or one of them is null
     */
    public void restore(Collection<UsageRow> rows) {
        List<UsageRow> copy = List.copyOf(rows);
        synchronized (lock) {
            for (UsageRow r : copy) {
                series(r.model(), r.version(), r.principal()).dayOf(r.day()).drained -= r.count();
            }
        }
    }

    /**
     * Adds counts persisted earlier to the reads, typically once at start with what the store
     * holds. Merged counts are never returned by {@link #drain()}, so rows this recorder drained
     * must not be merged back (they are in the reads already). Reads during a merge may see part of
     * it.
     *
     * @throws NullPointerException if {@code rows} or one of them is null
     */
    public void merge(Collection<UsageRow> rows) {
        List<UsageRow> copy = List.copyOf(rows);
        synchronized (lock) {
            LocalDate firstKept = today().minusDays(daysKept - 1L);
            for (UsageRow r : copy) {
                if (r.count() == 0) {
                    continue;
                }
                Series s = series(r.model(), r.version(), r.principal());
                if (r.day().isBefore(firstKept)) {
                    s.folded += r.count();
                } else {
                    s.dayOf(r.day()).merged += r.count();
                }
            }
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(Instant.ofEpochMilli(clock.millis()), zone);
    }

    /** Moves fully drained old days into their series' folded totals. Called under the lock. */
    private void fold(List<Series> series, List<Day> days) {
        long stamp = folding.writeLock();
        try {
            for (int i = 0; i < days.size(); i++) {
                Series s = series.get(i);
                Day d = days.get(i);
                if (d.count.sum() == d.drained && s.days.remove(d.date, d)) {
                    s.folded += d.count.sum() + d.merged;
                }
            }
        } finally {
            folding.unlockWrite(stamp);
        }
    }

    private Series series(String model, int version, String principal) {
        ModelUsage m = models.get(Objects.requireNonNull(model, "model"));
        if (m != null) {
            PrincipalUsage p = m.principals.get(Objects.requireNonNull(principal, "principal"));
            if (p != null) {
                Series s = p.find(version);
                if (s != null) {
                    return s;
                }
            }
        }
        return create(model, version, principal);
    }

    private Series create(String model, int version, String principal) {
        ModelRef.checkName(model, "model name");
        ModelRef.checkVersion(version, 1);
        Principal.checkId(principal, "principal id");
        return models.computeIfAbsent(model, ModelUsage::new)
                .principals
                .computeIfAbsent(principal, PrincipalUsage::new)
                .findOrAdd(model, version, this);
    }

    /** Adds one count of a series (with its day, or null for folded counts) to a read's result. */
    private interface Accumulator<T> {
        void add(T acc, Series s, LocalDate day, long n);
    }

    /**
     * Runs a read over {@code model}'s counts, again under the read lock if days were folded
     * meanwhile (so that no count is seen both in its day and in its series' folded total).
     */
    private <T> T read(String model, Function<String, T> empty, Accumulator<T> accumulator) {
        ModelUsage m = models.get(Objects.requireNonNull(model, "model"));
        if (m == null) {
            return empty.apply(model);
        }
        long stamp = folding.tryOptimisticRead();
        if (stamp != 0) {
            T acc = visit(m, empty, accumulator);
            if (folding.validate(stamp)) {
                return acc;
            }
        }
        stamp = folding.readLock();
        try {
            return visit(m, empty, accumulator);
        } finally {
            folding.unlockRead(stamp);
        }
    }

    private static <T> T visit(
            ModelUsage m, Function<String, T> empty, Accumulator<T> accumulator) {
        T acc = empty.apply(m.model);
        for (PrincipalUsage p : m.principals.values()) {
            for (Series s : p.versions) {
                long folded = s.folded;
                if (folded != 0) {
                    accumulator.add(acc, s, null, folded);
                }
                for (Day d : s.days.values()) {
                    long n = d.count.sum() + d.merged;
                    if (n != 0) {
                        accumulator.add(acc, s, d.date, n);
                    }
                }
            }
        }
        return acc;
    }

    private static <K> Map<K, Long> unmodifiable(TreeMap<K, Long> map) {
        return Collections.unmodifiableSortedMap(map);
    }

    /**
     * A pre-resolved usage counter for one model version and principal: {@link #increment()} is the
     * cheapest way to record a call. Thread-safe; share it freely.
     */
    public interface Counter {
        /** Records one call on today's date: no lock, no I/O, no allocation. */
        void increment();
    }

    /** A model's usage, by principal. */
    private static final class ModelUsage {
        final String model;
        final ConcurrentHashMap<String, PrincipalUsage> principals = new ConcurrentHashMap<>();

        ModelUsage(String model) {
            this.model = model;
        }
    }

    /** One principal's usage of one model, by version (few per principal: a sorted array). */
    private static final class PrincipalUsage {
        final String principal;

        /** Sorted by version; replaced, never changed, under this object's monitor. */
        volatile Series[] versions = new Series[0];

        PrincipalUsage(String principal) {
            this.principal = principal;
        }

        Series find(int version) {
            Series[] vs = versions;
            int lo = 0;
            int hi = vs.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int v = vs[mid].version;
                if (v < version) {
                    lo = mid + 1;
                } else if (v > version) {
                    hi = mid - 1;
                } else {
                    return vs[mid];
                }
            }
            return null;
        }

        synchronized Series findOrAdd(String model, int version, UsageRecorder owner) {
            Series s = find(version);
            if (s != null) {
                return s;
            }
            s = new Series(model, version, principal, owner.clock, owner.zone);
            Series[] vs = Arrays.copyOf(versions, versions.length + 1);
            int i = vs.length - 1;
            while (i > 0 && vs[i - 1].version > version) {
                vs[i] = vs[i - 1];
                i--;
            }
            vs[i] = s;
            versions = vs;
            return s;
        }
    }

    /** The calls to one model version by one principal, by day. */
    private static final class Series implements Counter {
        final String model;
        final int version;
        final String principal;
        final Clock clock;
        final ZoneId zone;
        final ConcurrentHashMap<LocalDate, Day> days = new ConcurrentHashMap<>();

        /** The day of the latest call that changed days; a hint, any thread may set it. */
        volatile Day current = NO_DAY;

        /** Calls on days folded away; written under the recorder's lock. */
        volatile long folded;

        Series(String model, int version, String principal, Clock clock, ZoneId zone) {
            this.model = model;
            this.version = version;
            this.principal = principal;
            this.clock = clock;
            this.zone = zone;
        }

        @Override
        public void increment() {
            Day d = current;
            long now = clock.millis();
            if (now < d.start || now >= d.end) {
                d = roll(now);
            }
            d.count.increment();
        }

        private Day roll(long now) {
            Day d = dayOf(LocalDate.ofInstant(Instant.ofEpochMilli(now), zone));
            current = d;
            return d;
        }

        Day dayOf(LocalDate date) {
            Day d = days.get(date);
            return d != null ? d : days.computeIfAbsent(date, this::newDay);
        }

        private Day newDay(LocalDate date) {
            return new Day(
                    date,
                    date.atStartOfDay(zone).toInstant().toEpochMilli(),
                    date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli());
        }
    }

    /** The calls of one series on one day: [start, end) in epoch milliseconds. */
    private static final class Day {
        final LocalDate date;
        final long start;
        final long end;
        final LongAdder count = new LongAdder();

        /** The part of {@code count} already drained; guarded by the recorder's lock. */
        long drained;

        /** Calls merged from persisted rows (never drained); written under the recorder's lock. */
        volatile long merged;

        Day(LocalDate date, long start, long end) {
            this.date = date;
            this.start = start;
            this.end = end;
        }
    }
}
