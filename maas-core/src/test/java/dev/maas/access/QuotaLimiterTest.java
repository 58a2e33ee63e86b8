package dev.maas.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.QuotaExceededException;
import dev.maas.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Quotas per grantee and model: in-flight limits, token buckets on a fake ticker, changes. */
class QuotaLimiterTest {
    private static final Grantee SEARCH = Grantee.team("search");
    private static final Grantee HOME = Grantee.team("home");
    private static final String RANKER = "ranker";

    private final FakeTicker ticker = new FakeTicker();
    private final QuotaLimiter limiter = new QuotaLimiter(ticker, Duration.ofMinutes(1));
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Quota inFlight(int n) {
        return new Quota(n, 0);
    }

    private static Quota perSecond(double rate) {
        return new Quota(0, rate);
    }

    /** Acquires {@code n} permits, failing the test if one is refused. */
    private List<QuotaLimiter.Permit> acquire(int n, Grantee who, Quota quota) {
        List<QuotaLimiter.Permit> permits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            permits.add(limiter.acquire(who, RANKER, quota));
        }
        return permits;
    }

    /** Runs {@code body} as an admitted call and returns true, or returns false if refused. */
    private boolean tryCall(Grantee who, Quota quota, Runnable body) {
        QuotaLimiter.Permit p;
        try {
            p = limiter.acquire(who, RANKER, quota);
        } catch (QuotaExceededException refused) {
            return false;
        }
        try {
            body.run();
        } finally {
            p.close();
        }
        return true;
    }

    private void assertRefused(Grantee who, Quota quota) {
        assertThatThrownBy(() -> limiter.acquire(who, RANKER, quota))
                .isInstanceOf(QuotaExceededException.class);
    }

    @Test
    void inFlight_admitsExactlyTheLimit_andASlotFreesOnClose() {
        Quota q = inFlight(4);
        List<QuotaLimiter.Permit> held = acquire(4, SEARCH, q);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isEqualTo(4);

        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, q))
                .isInstanceOf(QuotaExceededException.class)
                .hasMessage(
                        "team:search is over its quota on model 'ranker': 4 in flight (limit 4)");

        held.get(0).close();
        held.set(0, limiter.acquire(SEARCH, RANKER, q));
        assertRefused(SEARCH, q);
        held.forEach(QuotaLimiter.Permit::close);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void inFlight_16ThreadsAttemptingTogether_exactlyTheLimitGetIn_everyRound() throws Exception {
        int threads = 16;
        int limit = 5;
        int rounds = 200;
        Quota q = inFlight(limit);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        AtomicInteger admitted = new AtomicInteger();
        List<Integer> admittedPerRound = new ArrayList<>();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean recorder = t == 0;
            done.add(
                    pool.submit(
                            () -> {
                                for (int r = 0; r < rounds; r++) {
                                    barrier.await(); // all attempt while no one releases
                                    QuotaLimiter.Permit p = null;
                                    try {
                                        p = limiter.acquire(SEARCH, RANKER, q);
                                        admitted.incrementAndGet();
                                    } catch (QuotaExceededException refused) {
                                        // expected for all but `limit` threads
                                    }
                                    barrier.await(); // every attempt made, permits held
                                    if (recorder) {
                                        admittedPerRound.add(admitted.getAndSet(0));
                                    }
                                    barrier.await(); // counted
                                    if (p != null) {
                                        p.close();
                                    }
                                    barrier.await(); // all released
                                }
                                return null;
                            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(admittedPerRound).hasSize(rounds).containsOnly(limit);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void inFlight_neverMoreThanTheLimitRunning_under16FreeRunningThreads() throws Exception {
        int threads = 16;
        int limit = 3;
        int attempts = 20_000;
        Quota q = inFlight(limit);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                for (int i = 0; i < attempts; i++) {
                                    boolean in =
                                            tryCall(
                                                    SEARCH,
                                                    q,
                                                    () -> {
                                                        highWater.accumulateAndGet(
                                                                running.incrementAndGet(),
                                                                Math::max);
                                                        Thread.onSpinWait();
                                                        running.decrementAndGet();
                                                    });
                                    (in ? admitted : refused).incrementAndGet();
                                }
                                return null;
                            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(highWater.get()).isBetween(1, limit);
        assertThat(admitted.get() + refused.get()).isEqualTo(threads * attempts);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void rate_admitsOneSecondsWorthAtOnce_thenRefillsContinuously() {
        Quota q = perSecond(100);
        acquire(100, SEARCH, q).forEach(QuotaLimiter.Permit::close);
        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, q))
                .isInstanceOf(QuotaExceededException.class)
                .hasMessage(
                        "team:search is over its quota on model 'ranker': 100.0 calls/s"
                                + " (next call allowed in 10 ms)");

        ticker.advance(Duration.ofMillis(9));
        assertRefused(SEARCH, q);
        ticker.advance(Duration.ofMillis(1));
        limiter.acquire(SEARCH, RANKER, q).close();
        assertRefused(SEARCH, q);

        ticker.advance(Duration.ofMillis(35)); // three and a half tokens
        acquire(3, SEARCH, q).forEach(QuotaLimiter.Permit::close);
        assertRefused(SEARCH, q);

        ticker.advance(Duration.ofSeconds(5)); // the bucket holds one second's worth, no more
        acquire(100, SEARCH, q).forEach(QuotaLimiter.Permit::close);
        assertRefused(SEARCH, q);
    }

    @Test
    void rate_belowOnePerSecond_holdsOneCall() {
        Quota q = perSecond(0.5);
        limiter.acquire(SEARCH, RANKER, q).close();
        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, q))
                .hasMessageEndingWith("0.5 calls/s (next call allowed in 2000 ms)");
        ticker.advance(Duration.ofMillis(1999));
        assertRefused(SEARCH, q);
        ticker.advance(Duration.ofMillis(1));
        limiter.acquire(SEARCH, RANKER, q).close();
    }

    @Test
    void rate_fractional_keepsTheFractionOfAToken() {
        Quota q = perSecond(2.5); // one call per 400 ms, 2.5 calls held
        acquire(2, SEARCH, q).forEach(QuotaLimiter.Permit::close);
        assertRefused(SEARCH, q);
        ticker.advance(Duration.ofMillis(199));
        assertRefused(SEARCH, q);
        ticker.advance(Duration.ofMillis(1)); // half a token held plus 200 ms refilled
        limiter.acquire(SEARCH, RANKER, q).close();
        assertRefused(SEARCH, q);
    }

    @Test
    void rateRefusal_takesNoSlot_andInFlightRefusal_takesNoToken() {
        Quota q = new Quota(1, 2);
        QuotaLimiter.Permit held = limiter.acquire(SEARCH, RANKER, q); // token 1 of 2
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, q))
                    .hasMessageContaining("1 in flight (limit 1)");
        }
        held.close();
        limiter.acquire(SEARCH, RANKER, q).close(); // token 2: the refusals took none
        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, q))
                .hasMessageContaining("2.0 calls/s");
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void grantees_andModels_areLimitedIndependently() {
        Quota q = new Quota(1, 1);
        QuotaLimiter.Permit search = limiter.acquire(SEARCH, RANKER, q);
        assertRefused(SEARCH, q);

        QuotaLimiter.Permit home = limiter.acquire(HOME, RANKER, q);
        QuotaLimiter.Permit otherModel = limiter.acquire(SEARCH, "recsys", q);
        QuotaLimiter.Permit principal = limiter.acquire(Grantee.principal("search"), RANKER, q);

        assertThat(limiter.inFlight(SEARCH, RANKER)).isEqualTo(1);
        assertThat(limiter.inFlight(HOME, RANKER)).isEqualTo(1);
        assertThat(limiter.trackedPairs()).isEqualTo(4);
        List.of(search, home, otherModel, principal).forEach(QuotaLimiter.Permit::close);
    }

    @Test
    void message_namesAPrincipalGrantee() {
        Grantee alice = Grantee.principal("alice");
        limiter.acquire(alice, "movies", inFlight(1));
        assertThatThrownBy(() -> limiter.acquire(alice, "movies", inFlight(1)))
                .hasMessage(
                        "principal:alice is over its quota on model 'movies': 1 in flight (limit"
                                + " 1)");
    }

    @Test
    void close_isIdempotent() {
        Quota q = inFlight(2);
        QuotaLimiter.Permit a = limiter.acquire(SEARCH, RANKER, q);
        QuotaLimiter.Permit b = limiter.acquire(SEARCH, RANKER, q);
        a.close();
        a.close();
        a.close();
        assertThat(limiter.inFlight(SEARCH, RANKER)).isEqualTo(1);
        QuotaLimiter.Permit c = limiter.acquire(SEARCH, RANKER, q);
        assertRefused(SEARCH, q); // closing a three times freed one slot, not three
        b.close();
        c.close();
        c.close();
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void none_alwaysPasses_withoutStateOrAllocation() {
        QuotaLimiter.Permit first = limiter.acquire(SEARCH, RANKER, Quota.NONE);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.acquire(SEARCH, RANKER, Quota.NONE)).isSameAs(first);
        }
        first.close();
        first.close();
        assertThat(limiter.trackedPairs()).isZero();
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void nullArguments_areRejected() {
        assertThatThrownBy(() -> limiter.acquire(null, RANKER, Quota.NONE))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("who");
        assertThatThrownBy(() -> limiter.acquire(SEARCH, null, Quota.NONE))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("model");
        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("quota");
        assertThatThrownBy(() -> new QuotaLimiter(ticker, Duration.ofMillis(999)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleExpiry");
    }

    @Test
    void loweringTheInFlightLimit_countsTheCallsAlreadyRunning() {
        List<QuotaLimiter.Permit> held = acquire(3, SEARCH, inFlight(4));

        Quota lower = inFlight(2);
        assertThatThrownBy(() -> limiter.acquire(SEARCH, RANKER, lower))
                .hasMessageEndingWith("3 in flight (limit 2)");
        held.remove(0).close();
        assertRefused(SEARCH, lower); // 2 still running
        held.remove(0).close();
        held.add(limiter.acquire(SEARCH, RANKER, lower));
        assertRefused(SEARCH, lower);

        // Raising it admits more at once; permits from before the changes still release.
        held.addAll(acquire(6, SEARCH, inFlight(8)));
        assertThat(limiter.inFlight(SEARCH, RANKER)).isEqualTo(8);
        held.forEach(QuotaLimiter.Permit::close);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void changingToNone_andBack_neverLeaksCounts() {
        QuotaLimiter.Permit limited = limiter.acquire(SEARCH, RANKER, inFlight(1));
        QuotaLimiter.Permit free = limiter.acquire(SEARCH, RANKER, Quota.NONE);
        assertRefused(SEARCH, inFlight(1)); // the limited call still counts
        free.close(); // calls under NONE were never counted, so release nothing
        assertThat(limiter.inFlight(SEARCH, RANKER)).isEqualTo(1);
        limited.close();
        limiter.acquire(SEARCH, RANKER, inFlight(1)).close();
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    @Test
    void changingTheRate_keepsTheTokensHeld_cappedAtTheNewCapacity() {
        acquire(5, SEARCH, perSecond(10)).forEach(QuotaLimiter.Permit::close); // 5 of 10 left
        Quota four = perSecond(4);
        acquire(4, SEARCH, four).forEach(QuotaLimiter.Permit::close); // capped at 4
        assertRefused(SEARCH, four);

        Quota hundred = perSecond(100); // no token held: the new rate refills from empty
        assertRefused(SEARCH, hundred);
        ticker.advance(Duration.ofMillis(10));
        limiter.acquire(SEARCH, RANKER, hundred).close();
        assertRefused(SEARCH, hundred);

        // Changing only the in-flight limit leaves the bucket as it was.
        ticker.advance(Duration.ofMillis(30));
        acquire(3, SEARCH, new Quota(10, 100)).forEach(QuotaLimiter.Permit::close);
        assertRefused(SEARCH, new Quota(10, 100));
    }

    @Test
    void addingARate_toAPairWithout_startsWithAFullBucket() {
        acquire(50, SEARCH, inFlight(100)).forEach(QuotaLimiter.Permit::close);
        Quota q = new Quota(100, 20);
        acquire(20, SEARCH, q).forEach(QuotaLimiter.Permit::close);
        assertRefused(SEARCH, q);
    }

    @Test
    void idlePairs_areDropped_onlyWhenNothingIsInFlightAndTheBucketIsFull() {
        limiter.acquire(SEARCH, RANKER, inFlight(1)).close();
        QuotaLimiter.Permit running = limiter.acquire(HOME, RANKER, inFlight(1));
        Quota slow = perSecond(0.001); // one call per 1000 s
        limiter.acquire(SEARCH, "slow", slow).close();
        assertThat(limiter.trackedPairs()).isEqualTo(3);

        ticker.advance(Duration.ofMinutes(2));
        limiter.cleanUp();
        // SEARCH/ranker is gone; HOME has a call running; SEARCH/slow's bucket is not full yet.
        assertThat(limiter.trackedPairs()).isEqualTo(2);
        assertRefused(HOME, inFlight(1));
        assertThatThrownBy(() -> limiter.acquire(SEARCH, "slow", slow))
                .hasMessageContaining("next call allowed in 880000 ms");

        running.close();
        ticker.advance(Duration.ofSeconds(1000));
        limiter.cleanUp();
        assertThat(limiter.trackedPairs()).isZero();
        limiter.acquire(SEARCH, "slow", slow).close(); // a fresh, full bucket: as if kept
        limiter.acquire(HOME, RANKER, inFlight(1)).close();
    }

    @Test
    void idlePairs_areDropped_byAnAcquireThatComesDue() {
        for (int i = 0; i < 10; i++) {
            limiter.acquire(Grantee.team("t" + i), RANKER, inFlight(1)).close();
        }
        assertThat(limiter.trackedPairs()).isEqualTo(10);
        ticker.advance(Duration.ofSeconds(61));
        limiter.acquire(SEARCH, RANKER, inFlight(1)).close();
        assertThat(limiter.trackedPairs()).isEqualTo(1);
    }

    @Test
    void droppingPairs_whileThreadsAcquire_neverBreaksTheInFlightLimit() throws Exception {
        int threads = 8;
        int attempts = 5_000;
        Quota q = inFlight(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger highWater = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                for (int i = 0; i < attempts; i++) {
                                    tryCall(
                                            SEARCH,
                                            q,
                                            () -> {
                                                highWater.accumulateAndGet(
                                                        running.incrementAndGet(), Math::max);
                                                running.decrementAndGet();
                                            });
                                }
                                return null;
                            }));
        }
        start.countDown();
        // Make every pair idle again and again while the threads run, so sweeps race acquires.
        while (!done.stream().allMatch(Future::isDone)) {
            ticker.advance(Duration.ofMinutes(2));
            limiter.cleanUp();
        }
        for (Future<?> f : done) {
            f.get();
        }
        assertThat(highWater.get()).isBetween(1, 2);
        assertThat(limiter.inFlight(SEARCH, RANKER)).isZero();
    }

    /**
     * Team A floods a shared model past its quota from many threads while team B, within its own
     * quota, calls the same model: A gets refusals, B none. Team A's quota is held full by two
     * callers for the whole run, so every one of A's flooding calls is refused, deterministically.
     */
    @Test
    void twoTeamsFloodingOneModel_onlyTheTeamOverItsQuotaIsRefused() throws Exception {
        Grantee a = Grantee.team("team-a");
        Grantee b = Grantee.team("team-b");
        Quota quotaA = inFlight(2);
        Quota quotaB = inFlight(4);
        int holdersA = 2;
        int floodersA = 6;
        int callersB = 4;
        int attempts = 2_000;
        CyclicBarrier start = new CyclicBarrier(holdersA + floodersA + callersB);
        CountDownLatch aHolding = new CountDownLatch(holdersA);
        CountDownLatch othersDone = new CountDownLatch(floodersA + callersB);
        AtomicInteger refusedA = new AtomicInteger();
        AtomicInteger admittedA = new AtomicInteger();
        AtomicInteger refusedB = new AtomicInteger();
        AtomicInteger admittedB = new AtomicInteger();
        AtomicInteger runningB = new AtomicInteger();
        AtomicInteger highWaterB = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < holdersA; i++) {
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                QuotaLimiter.Permit p = limiter.acquire(a, RANKER, quotaA);
                                try {
                                    aHolding.countDown();
                                    othersDone.await(); // hold A's quota full throughout
                                } finally {
                                    p.close();
                                }
                                return null;
                            }));
        }
        for (int i = 0; i < floodersA; i++) {
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                aHolding.await();
                                try {
                                    for (int n = 0; n < attempts; n++) {
                                        boolean in = tryCall(a, quotaA, () -> {});
                                        (in ? admittedA : refusedA).incrementAndGet();
                                    }
                                } finally {
                                    othersDone.countDown();
                                }
                                return null;
                            }));
        }
        for (int i = 0; i < callersB; i++) {
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                aHolding.await(); // B calls while A is over its quota
                                try {
                                    for (int n = 0; n < attempts; n++) {
                                        boolean in =
                                                tryCall(
                                                        b,
                                                        quotaB,
                                                        () -> {
                                                            highWaterB.accumulateAndGet(
                                                                    runningB.incrementAndGet(),
                                                                    Math::max);
                                                            runningB.decrementAndGet();
                                                        });
                                        (in ? admittedB : refusedB).incrementAndGet();
                                    }
                                } finally {
                                    othersDone.countDown();
                                }
                                return null;
                            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(admittedA.get()).isZero();
        assertThat(refusedA.get()).isEqualTo(floodersA * attempts);
        assertThat(refusedB.get()).isZero();
        assertThat(admittedB.get()).isEqualTo(callersB * attempts);
        assertThat(highWaterB.get()).isBetween(1, callersB);
        assertThat(limiter.inFlight(a, RANKER)).isZero();
        assertThat(limiter.inFlight(b, RANKER)).isZero();
    }

    /**
     * The same with rates, on a clock that does not move: team A's threads together get exactly its
     * bucket's worth and no more, team B's calls (fewer than its bucket holds) all pass.
     */
    @Test
    void twoTeamsFloodingOneModel_byRate_teamBWithinItsLimitIsNeverRefused() throws Exception {
        Grantee a = Grantee.team("team-a");
        Grantee b = Grantee.team("team-b");
        Quota rate = perSecond(50);
        int floodersA = 8;
        int callersB = 4;
        int attemptsA = 500;
        int attemptsB = 12; // 48 calls, within B's 50
        CyclicBarrier start = new CyclicBarrier(floodersA + callersB);
        AtomicInteger admittedA = new AtomicInteger();
        AtomicInteger refusedA = new AtomicInteger();
        AtomicInteger admittedB = new AtomicInteger();
        AtomicInteger refusedB = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < floodersA + callersB; t++) {
            boolean isA = t < floodersA;
            done.add(
                    pool.submit(
                            () -> {
                                start.await();
                                for (int n = 0; n < (isA ? attemptsA : attemptsB); n++) {
                                    boolean in = tryCall(isA ? a : b, rate, () -> {});
                                    if (isA) {
                                        (in ? admittedA : refusedA).incrementAndGet();
                                    } else {
                                        (in ? admittedB : refusedB).incrementAndGet();
                                    }
                                }
                                return null;
                            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(admittedA.get()).isEqualTo(50);
        assertThat(refusedA.get()).isEqualTo(floodersA * attemptsA - 50);
        assertThat(admittedB.get()).isEqualTo(callersB * attemptsB);
        assertThat(refusedB.get()).isZero();
    }
}
