package dev.maas.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Usage counts per model, version, principal and day; drains, merges, days on a fake clock. */
class UsageRecorderTest {
    private static final LocalDate DAY1 = LocalDate.of(2025, 3, 14);
    private static final LocalDate DAY2 = DAY1.plusDays(1);
    private static final long DAY1_NOON =
            DAY1.atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
    private static final long DAY2_START =
            DAY2.atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();

    private static final String[] MODELS = {"ranker", "movies", "music"};
    private static final int[] VERSIONS = {1, 2};
    private static final String[] PRINCIPALS = {"alice", "bob", "svc:home", "carol"};
    private static final int KEYS = MODELS.length * VERSIONS.length * PRINCIPALS.length;
    private static final int THREADS = 16;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A clock that moves only when told to. Thread-safe. */
    static class FakeClock extends Clock {
        final AtomicLong millis;
        final ZoneId zone;

        FakeClock(long millis, ZoneId zone) {
            this.millis = new AtomicLong(millis);
            this.zone = zone;
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId z) {
            return new FakeClock(millis.get(), z);
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }
    }

    /**
     * A UTC clock that says {@link #DAY1} for its first {@code day1Reads} reads and {@link #DAY2}
     * after, so that it moves past midnight while threads are recording, at a known read.
     */
    static final class MidnightClock extends FakeClock {
        final AtomicLong reads = new AtomicLong();
        final long day1Reads;

        /** Set on threads that only drain: their reads do not count. */
        final ThreadLocal<Boolean> uncounted = ThreadLocal.withInitial(() -> false);

        MidnightClock(long day1Reads) {
            super(DAY1_NOON, ZoneOffset.UTC);
            this.day1Reads = day1Reads;
        }

        @Override
        public long millis() {
            long n = uncounted.get() ? reads.get() : reads.incrementAndGet();
            return n <= day1Reads ? DAY2_START - 1 : DAY2_START;
        }
    }

    private static String model(int key) {
        return MODELS[key % MODELS.length];
    }

    private static int version(int key) {
        return VERSIONS[(key / MODELS.length) % VERSIONS.length];
    }

    private static String principal(int key) {
        return PRINCIPALS[key / (MODELS.length * VERSIONS.length)];
    }

    /** The key thread {@code t} records at its call {@code i}: every key, in a skewed mix. */
    private static int keyOf(int t, int i) {
        return (t * 7 + i + (i % 5 == 0 ? 3 : 0)) % KEYS;
    }

    /**
     * Runs {@code THREADS} threads of {@code calls} calls each, alternately through {@code record}
     * and through pre-resolved counters, starting together; returns the calls made per key.
     */
    private long[] recordConcurrently(UsageRecorder usage, int calls) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<long[]>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(
                    pool.submit(
                            () -> {
                                UsageRecorder.Counter[] counters = new UsageRecorder.Counter[KEYS];
                                for (int k = 0; k < KEYS; k++) {
                                    counters[k] = usage.counter(model(k), version(k), principal(k));
                                }
                                long[] made = new long[KEYS];
                                start.await();
                                for (int i = 0; i < calls; i++) {
                                    int k = keyOf(thread, i);
                                    if ((i & 1) == 0) {
                                        usage.record(model(k), version(k), principal(k));
                                    } else {
                                        counters[k].increment();
                                    }
                                    made[k]++;
                                }
                                return made;
                            }));
        }
        long[] made = new long[KEYS];
        for (Future<long[]> f : done) {
            long[] m = f.get(60, TimeUnit.SECONDS);
            for (int k = 0; k < KEYS; k++) {
                made[k] += m[k];
            }
        }
        return made;
    }

    private static String keyName(String model, int version, String principal) {
        return model + ":" + version + ":" + principal;
    }

    private static Map<String, Long> byKey(long[] made) {
        Map<String, Long> m = new HashMap<>();
        for (int k = 0; k < KEYS; k++) {
            m.put(keyName(model(k), version(k), principal(k)), made[k]);
        }
        return m;
    }

    private static Map<String, Long> byKey(List<UsageRow> rows) {
        Map<String, Long> m = new HashMap<>();
        for (UsageRow r : rows) {
            m.merge(keyName(r.model(), r.version(), r.principal()), r.count(), Long::sum);
        }
        return m;
    }

    private static void assertReadsMatch(UsageRecorder usage, long[] made) {
        long all = 0;
        for (String model : MODELS) {
            Map<Integer, Long> versions = new HashMap<>();
            Map<String, Long> principals = new HashMap<>();
            long total = 0;
            for (int k = 0; k < KEYS; k++) {
                if (model(k).equals(model)) {
                    versions.merge(version(k), made[k], Long::sum);
                    principals.merge(principal(k), made[k], Long::sum);
                    total += made[k];
                }
            }
            assertThat(usage.total(model)).as(model).isEqualTo(total);
            assertThat(usage.byVersion(model)).as(model).isEqualTo(versions);
            assertThat(usage.byPrincipal(model)).as(model).isEqualTo(principals);
            assertThat(usage.totals()).containsEntry(model, total);
            all += total;
        }
        assertThat(usage.totals().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(all);
    }

    @Test
    void counts_equalTheCallsMade_perKeyAndInTotal_under16Threads() throws Exception {
        FakeClock clock = new FakeClock(DAY1_NOON, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        int calls = 50_000;

        long[] made = recordConcurrently(usage, calls);

        assertThat(Arrays.stream(made).min().getAsLong()).isPositive();
        assertReadsMatch(usage, made);
        long all = (long) THREADS * calls;
        assertThat(usage.totals().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(all);
        for (String model : MODELS) {
            assertThat(usage.byDay(model)).containsOnlyKeys(DAY1);
        }
        List<UsageRow> rows = usage.drain();
        assertThat(rows).hasSize(KEYS).allMatch(r -> r.day().equals(DAY1));
        assertThat(byKey(rows)).isEqualTo(byKey(made));
        assertThat(usage.drain()).isEmpty();
        assertReadsMatch(usage, made); // drained calls stay in the reads
    }

    @Test
    void dayBoundary_betweenTwoPhases_splitsTheCountsExactlyByDay() throws Exception {
        FakeClock clock = new FakeClock(DAY2_START - 1, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        int before = 3_000;
        int after = 2_000;
        UsageRecorder.Counter shared = usage.counter("ranker", 1, "alice");
        // The barrier's action moves the clock past midnight while every thread waits.
        CyclicBarrier midnight =
                new CyclicBarrier(THREADS, () -> clock.advance(Duration.ofMillis(1)));
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            boolean handle = t % 2 == 0;
            done.add(
                    pool.submit(
                            () -> {
                                for (int i = 0; i < before; i++) {
                                    if (handle) {
                                        shared.increment();
                                    } else {
                                        usage.record("ranker", 1, "alice");
                                    }
                                }
                                midnight.await();
                                for (int i = 0; i < after; i++) {
                                    if (handle) {
                                        shared.increment();
                                    } else {
                                        usage.record("ranker", 1, "alice");
                                    }
                                }
                                return null;
                            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }

        assertThat(usage.byDay("ranker"))
                .containsExactly(
                        entry(DAY1, (long) THREADS * before), entry(DAY2, (long) THREADS * after));
        assertThat(usage.drain())
                .containsExactly(
                        new UsageRow("ranker", 1, "alice", DAY1, (long) THREADS * before),
                        new UsageRow("ranker", 1, "alice", DAY2, (long) THREADS * after));
    }

    @Test
    void dayBoundary_passedWhileThreadsRecord_splitsTheCountsAsTheClockSaid() throws Exception {
        int calls = 20_000;
        long total = (long) THREADS * calls;
        long day1Reads = total / 2 + 12_345;
        // Recording reads the clock once per call; the clock says DAY1 for exactly day1Reads reads.
        MidnightClock clock = new MidnightClock(day1Reads);
        UsageRecorder usage = new UsageRecorder(clock);
        AtomicBoolean recording = new AtomicBoolean(true);
        Map<String, Long> drained = new HashMap<>();
        Map<LocalDate, Long> drainedByDay = new HashMap<>();
        Future<?> drainer =
                pool.submit(
                        () -> {
                            clock.uncounted.set(true);
                            while (recording.get()) {
                                for (UsageRow r : usage.drain()) {
                                    drained.merge(
                                            keyName(r.model(), r.version(), r.principal()),
                                            r.count(),
                                            Long::sum);
                                    drainedByDay.merge(r.day(), r.count(), Long::sum);
                                }
                            }
                            return null;
                        });
        long[] made = recordConcurrently(usage, calls);
        recording.set(false);
        drainer.get(60, TimeUnit.SECONDS);
        // One clock read per call, and none when a counter is made.
        assertThat(clock.reads.get()).isEqualTo(total);
        clock.uncounted.set(true);

        Map<LocalDate, Long> byDay = new HashMap<>();
        for (String model : MODELS) {
            usage.byDay(model).forEach((d, n) -> byDay.merge(d, n, Long::sum));
        }
        assertThat(byDay).containsOnly(entry(DAY1, day1Reads), entry(DAY2, total - day1Reads));
        assertReadsMatch(usage, made);

        for (UsageRow r : usage.drain()) {
            drained.merge(keyName(r.model(), r.version(), r.principal()), r.count(), Long::sum);
            drainedByDay.merge(r.day(), r.count(), Long::sum);
        }
        assertThat(drained).isEqualTo(byKey(made));
        assertThat(drainedByDay)
                .containsOnly(entry(DAY1, day1Reads), entry(DAY2, total - day1Reads));
    }

    @Test
    void drain_concurrentWithRecording_losesNothing_andCountsNothingTwice() throws Exception {
        FakeClock clock = new FakeClock(DAY1_NOON, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        int calls = 40_000;
        AtomicBoolean recording = new AtomicBoolean(true);
        CountDownLatch drainedOnce = new CountDownLatch(1);
        long[] drainedSum = new long[1];
        Map<String, Long> drained = new HashMap<>();
        Future<Integer> drainer =
                pool.submit(
                        () -> {
                            int drains = 0;
                            while (recording.get() || drains == 0) {
                                for (UsageRow r : usage.drain()) {
                                    drainedSum[0] += r.count();
                                    drained.merge(
                                            keyName(r.model(), r.version(), r.principal()),
                                            r.count(),
                                            Long::sum);
                                }
                                drains++;
                                drainedOnce.countDown();
                            }
                            return drains;
                        });
        drainedOnce.await();
        long[] made = recordConcurrently(usage, calls);
        recording.set(false);
        assertThat(drainer.get(60, TimeUnit.SECONDS)).isPositive();

        long inDrains = drainedSum[0];
        List<UsageRow> rest = usage.drain();
        long inRest = rest.stream().mapToLong(UsageRow::count).sum();
        assertThat(inDrains + inRest).isEqualTo((long) THREADS * calls);
        rest.forEach(
                r ->
                        drained.merge(
                                keyName(r.model(), r.version(), r.principal()),
                                r.count(),
                                Long::sum));
        assertThat(drained).isEqualTo(byKey(made));
        assertReadsMatch(usage, made);
    }

    @Test
    void restore_givesRowsBackToTheNextDrain_withoutChangingTheReads() {
        FakeClock clock = new FakeClock(DAY1_NOON, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        for (int i = 0; i < 5; i++) {
            usage.record("ranker", 1, "alice");
        }
        List<UsageRow> failed = usage.drain();
        usage.record("ranker", 1, "alice");

        usage.restore(failed);

        assertThat(usage.total("ranker")).isEqualTo(6);
        assertThat(usage.drain()).containsExactly(new UsageRow("ranker", 1, "alice", DAY1, 6));
        assertThat(usage.drain()).isEmpty();
        assertThat(usage.total("ranker")).isEqualTo(6);
    }

    @Test
    void merge_addsPersistedCountsToTheReads_butNeverToADrain() {
        FakeClock clock = new FakeClock(DAY1_NOON, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        LocalDate yesterday = DAY1.minusDays(1);
        usage.merge(
                List.of(
                        new UsageRow("ranker", 1, "alice", yesterday, 100),
                        new UsageRow("ranker", 2, "bob", DAY1, 10),
                        new UsageRow("ranker", 2, "bob", DAY1, 0)));
        usage.record("ranker", 2, "bob");
        usage.record("ranker", 2, "alice");

        assertThat(usage.total("ranker")).isEqualTo(112);
        assertThat(usage.byVersion("ranker")).containsExactly(entry(1, 100L), entry(2, 12L));
        assertThat(usage.byPrincipal("ranker"))
                .containsExactly(entry("alice", 101L), entry("bob", 11L));
        assertThat(usage.byDay("ranker")).containsExactly(entry(yesterday, 100L), entry(DAY1, 12L));
        assertThat(usage.drain())
                .containsExactly(
                        new UsageRow("ranker", 2, "alice", DAY1, 1),
                        new UsageRow("ranker", 2, "bob", DAY1, 1));
        assertThat(usage.total("ranker")).isEqualTo(112);
    }

    @Test
    void oldDays_areFoldedIntoTheTotals_onceDrained() {
        FakeClock clock = new FakeClock(DAY1_NOON, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock, 2);
        usage.record("ranker", 1, "alice");
        usage.record("ranker", 1, "alice");
        clock.advance(Duration.ofDays(1));
        usage.record("ranker", 1, "alice");
        clock.advance(Duration.ofDays(1));
        usage.record("ranker", 2, "bob");
        // Nothing was drained yet: DAY1 is older than the two days kept but stays until drained.
        assertThat(usage.byDay("ranker")).hasSize(3);

        assertThat(usage.drain()).hasSize(3);

        LocalDate day3 = DAY1.plusDays(2);
        assertThat(usage.byDay("ranker")).containsExactly(entry(DAY2, 1L), entry(day3, 1L));
        assertThat(usage.total("ranker")).isEqualTo(4);
        assertThat(usage.byVersion("ranker")).containsExactly(entry(1, 3L), entry(2, 1L));
        assertThat(usage.byPrincipal("ranker"))
                .containsExactly(entry("alice", 3L), entry("bob", 1L));

        // A failed persist of a folded day still comes back at the next drain.
        usage.restore(List.of(new UsageRow("ranker", 1, "alice", DAY1, 2)));
        assertThat(usage.total("ranker")).isEqualTo(4);
        assertThat(usage.drain()).containsExactly(new UsageRow("ranker", 1, "alice", DAY1, 2));
        assertThat(usage.total("ranker")).isEqualTo(4);

        // Merged rows older than the days kept count in the totals only.
        usage.merge(List.of(new UsageRow("ranker", 1, "carol", DAY1.minusDays(30), 7)));
        assertThat(usage.total("ranker")).isEqualTo(11);
        assertThat(usage.byPrincipal("ranker")).containsEntry("carol", 7L);
        assertThat(usage.byDay("ranker")).containsOnlyKeys(DAY2, day3);
        assertThat(usage.drain()).isEmpty();
    }

    @Test
    void days_beginAtMidnightInTheClocksZone() {
        ZoneId paris = ZoneId.of("Europe/Paris"); // UTC+1 in March
        long lateUtc = DAY1.atTime(23, 30).toInstant(ZoneOffset.UTC).toEpochMilli();
        FakeClock clock = new FakeClock(lateUtc - Duration.ofHours(1).toMillis(), paris);
        UsageRecorder usage = new UsageRecorder(clock);
        usage.record("ranker", 1, "alice"); // 23:30 in Paris
        clock.advance(Duration.ofMinutes(30));
        usage.record("ranker", 1, "alice"); // 00:00 in Paris, 23:00 UTC
        assertThat(usage.byDay("ranker")).containsExactly(entry(DAY1, 1L), entry(DAY2, 1L));
    }

    @Test
    void clockSteppingBack_countsOnTheDayItSays() {
        FakeClock clock = new FakeClock(DAY2_START, ZoneOffset.UTC);
        UsageRecorder usage = new UsageRecorder(clock);
        UsageRecorder.Counter c = usage.counter("ranker", 1, "alice");
        c.increment();
        clock.advance(Duration.ofMillis(-1));
        c.increment();
        c.increment();
        clock.advance(Duration.ofMillis(1));
        c.increment();
        assertThat(usage.byDay("ranker")).containsExactly(entry(DAY1, 2L), entry(DAY2, 2L));
    }

    @Test
    void counter_isOnePerKey_andSharesCountsWithRecord() {
        UsageRecorder usage = new UsageRecorder(new FakeClock(DAY1_NOON, ZoneOffset.UTC));
        UsageRecorder.Counter c = usage.counter("ranker", 3, "svc:home");
        assertThat(usage.counter("ranker", 3, "svc:home")).isSameAs(c);
        assertThat(usage.counter("ranker", 2, "svc:home")).isNotSameAs(c);
        c.increment();
        usage.record("ranker", 3, "svc:home");
        assertThat(usage.byVersion("ranker")).containsExactly(entry(3, 2L));
        // Versions created out of order are still found.
        for (int v : new int[] {9, 1, 5, 7}) {
            usage.record("ranker", v, "svc:home");
        }
        assertThat(usage.byVersion("ranker"))
                .containsExactly(
                        entry(1, 1L), entry(3, 2L), entry(5, 1L), entry(7, 1L), entry(9, 1L));
        assertThat(usage.counter("ranker", 5, "svc:home"))
                .isSameAs(usage.counter("ranker", 5, "svc:home"));
    }

    @Test
    void unknownModel_readsAsNothing_andReadsAreUnmodifiable() {
        UsageRecorder usage = new UsageRecorder(new FakeClock(DAY1_NOON, ZoneOffset.UTC));
        assertThat(usage.total("nope")).isZero();
        assertThat(usage.byVersion("nope")).isEmpty();
        assertThat(usage.byPrincipal("nope")).isEmpty();
        assertThat(usage.byDay("nope")).isEmpty();
        assertThat(usage.totals()).isEmpty();
        assertThat(usage.drain()).isEmpty();
        usage.record("ranker", 1, "alice");
        assertThatThrownBy(() -> usage.byVersion("ranker").put(2, 1L))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> usage.drain().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void keys_areValidatedOnFirstUse() {
        UsageRecorder usage = new UsageRecorder();
        assertThatThrownBy(() -> usage.record("Bad Name", 1, "alice"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model name");
        assertThatThrownBy(() -> usage.record("ranker", 0, "alice"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> usage.counter("ranker", 1, "Alice!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principal id");
        assertThatThrownBy(() -> usage.record(null, 1, "alice"))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new UsageRecorder(Clock.systemUTC(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("daysKept");
        assertThatThrownBy(() -> new UsageRow("ranker", 1, "alice", DAY1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count");
        assertThat(usage.totals()).isEmpty();
    }
}
