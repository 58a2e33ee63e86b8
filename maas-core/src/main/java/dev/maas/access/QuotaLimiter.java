package dev.maas.access;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.QuotaExceededException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces grantees' {@link Quota quotas} on shared models, so that one team cannot starve another:
 * {@link #acquire} admits a call or refuses it at once, and the returned {@link Permit} is closed
 * when the call ends.
 *
 * <p>Limits apply per (grantee, model) pair. In-flight calls are counted per pair; the rate limit
 * is a token bucket holding one second's worth of calls (at least one) that refills continuously at
 * {@link Quota#callsPerSecond()}, so after a full second of silence a grantee may send one second's
 * calls at once, and then one call every {@code 1 / callsPerSecond} seconds. A call refused for
 * either reason takes nothing: no slot, no token.
 *
 * <p>Quota changes. The quota passed to {@code acquire} is the pair's current quota; a different
 * value than the previous call's takes effect on that call. Calls already in flight keep counting
 * against the pair whatever the limits became, and their permits release into the same count, so
 * lowering {@code maxInFlight} below the calls running refuses new calls until enough have ended,
 * and raising it admits more at once. The bucket keeps the tokens it holds, capped at the new
 * capacity; a pair that had no rate limit starts with a full bucket. Calls racing with a change may
 * be admitted under the previous limits. Calls admitted under {@link Quota#NONE} are not counted at
 * all (that is what makes them free) and do not count against a limit set later.
 *
 * <p>Memory. A pair's state is dropped once it has had no call in flight and no {@code acquire} for
 * the idle expiry (ten minutes by default) and its bucket is full again, so dropping it is never
 * observable: the next call starts exactly where the old state would have been. Idle pairs are
 * looked for at most twice per idle expiry, by whichever {@code acquire} comes due, or by {@link
 * #cleanUp()}.
 *
 * <p>This class is thread-safe and lock-free: {@code acquire} and {@link Permit#close()} are a few
 * compare-and-set loops on the pair's counters. Time comes from an injected {@link Ticker}.
 */
public final class QuotaLimiter {
    /** How long an unused pair's state is kept by default. */
    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(QuotaLimiter.class);
    private static final long SECOND = 1_000_000_000L;

    /** The in-flight count of a pair whose state was dropped; acquirers look the pair up again. */
    private static final int DEAD = Integer.MIN_VALUE;

    private static final Permit UNLIMITED = () -> {};

    private final Ticker ticker;
    private final long idleNanos;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    /** Creates a limiter on the system ticker that drops pairs idle for ten minutes. */
    public QuotaLimiter() {
        this(Ticker.systemTicker(), DEFAULT_IDLE_EXPIRY);
    }

    /**
     * Creates a limiter.
     *
     * @param ticker the time source for rates and idleness (nanoseconds)
     * @param idleExpiry how long a pair with no call in flight and no new call is kept
     * @throws IllegalArgumentException if {@code idleExpiry} is shorter than one second
     */
    public QuotaLimiter(Ticker ticker, Duration idleExpiry) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(idleExpiry, "idleExpiry");
        if (idleExpiry.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(
                    "idleExpiry must be at least 1 second, was " + idleExpiry);
        }
        this.idleNanos = saturatedNanos(idleExpiry);
        this.nextSweep = new AtomicLong(ticker.read() + idleNanos / 2);
    }

    /**
     * Admits one call of {@code who} to {@code model} under {@code quota}, or refuses it; returns
     * at once either way. Close the permit when the call ends (try-with-resources).
     *
     * @param who the grantee whose quota applies (the team, or the principal)
     * @param model the model's name
     * @param quota the grantee's current quota on the model
     * @return the call's permit; for {@link Quota#NONE} (or any quota with no limit) a shared
     *     permit whose close does nothing
     * @throws QuotaExceededException if {@code who} already has {@code maxInFlight} calls in flight
     *     on {@code model}, or has used up its calls per second; the message names the grantee, the
     *     model and the limit
     */
    public Permit acquire(Grantee who, String model, Quota quota) {
        Objects.requireNonNull(who, "who");
        Objects.requireNonNull(model, "model");
        if (!Objects.requireNonNull(quota, "quota").isLimited()) {
            return UNLIMITED;
        }
        long now = ticker.read();
        sweepIfDue(now);
        Key key = new Key(who, model);
        for (; ; ) {
            Entry e = entries.get(key);
            if (e == null) {
                Entry created = new Entry(key, quota, now);
                e = entries.putIfAbsent(key, created);
                if (e == null) {
                    e = created;
                }
            }
            Permit p = e.tryAcquire(quota, now);
            if (p != null) {
                return p;
            }
            // Dropped by a sweep between the lookup and the acquire: help remove it and retry.
            entries.remove(key, e);
        }
    }

    /**
     * Returns how many calls of {@code who} to {@code model} are in flight (admitted under a
     * limited quota and not yet closed).
     */
    public int inFlight(Grantee who, String model) {
        Entry e = entries.get(new Key(who, model));
        int n = e == null ? 0 : e.inFlight.get();
        return Math.max(n, 0);
    }

    /** Returns how many (grantee, model) pairs have state here, for monitoring and tests. */
    public int trackedPairs() {
        return entries.size();
    }

    /**
     * Drops the state of the pairs that have been idle for the idle expiry now, without waiting.
     */
    public void cleanUp() {
        sweep(ticker.read());
    }

    private void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + idleNanos / 2)) {
            sweep(now);
        }
    }

    private void sweep(long now) {
        int dropped = 0;
        for (Entry e : entries.values()) {
            if (e.isIdle(now, idleNanos) && e.inFlight.compareAndSet(0, DEAD)) {
                entries.remove(e.key, e);
                dropped++;
            }
        }
        if (dropped > 0) {
            LOG.debug("Dropped the quota state of {} idle grantee/model pairs", dropped);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    /**
     * One admitted call. Closing it releases the call's in-flight slot; it is safe to close a
     * permit more than once, and from any thread.
     */
    public interface Permit extends AutoCloseable {
        /** Releases the call's in-flight slot; does nothing if already closed. */
        @Override
        void close();
    }

    private record Key(Grantee who, String model) {}

    /** A pair's state: its in-flight count (kept across quota changes) and its current limits. */
    private static final class Entry {
        private static final VarHandle LIMITS;

        static {
            try {
                LIMITS = MethodHandles.lookup().findVarHandle(Entry.class, "limits", Limits.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Key key;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile Limits limits;
        volatile long lastUsed;

        Entry(Key key, Quota quota, long now) {
            this.key = key;
            this.limits = new Limits(quota, now);
            this.lastUsed = now;
        }

        /** Returns the call's permit, or null if this entry was dropped. */
        Permit tryAcquire(Quota quota, long now) {
            Limits l = limitsFor(quota, now);
            int max = quota.maxInFlight();
            for (; ; ) {
                int n = inFlight.get();
                if (n == DEAD) {
                    return null;
                }
                if (max > 0 && n >= max) {
                    throw new QuotaExceededException(
                            key.who
                                    + " is over its quota on model '"
                                    + key.model
                                    + "': "
                                    + n
                                    + " in flight (limit "
                                    + max
                                    + ")");
                }
                if (inFlight.compareAndSet(n, n + 1)) {
                    break;
                }
            }
            // The slot is taken before the token so that a call refused for in-flight calls costs
            // no token; one refused for its rate gives the slot back below.
            long wait = l.take(now);
            if (wait > 0) {
                inFlight.decrementAndGet();
                throw new QuotaExceededException(
                        key.who
                                + " is over its quota on model '"
                                + key.model
                                + "': "
                                + quota.callsPerSecond()
                                + " calls/s (next call allowed in "
                                + ((wait + 999_999) / 1_000_000)
                                + " ms)");
            }
            lastUsed = now;
            return new Lease(this);
        }

        private Limits limitsFor(Quota quota, long now) {
            for (; ; ) {
                Limits l = limits;
                if (l.quota == quota || l.quota.equals(quota)) {
                    return l;
                }
                Limits next = l.changedTo(quota, now);
                if (LIMITS.compareAndSet(this, l, next)) {
                    return next;
                }
            }
        }

        boolean isIdle(long now, long idleNanos) {
            return inFlight.get() == 0 && now - lastUsed >= idleNanos && limits.isFull(now);
        }
    }

    /**
     * A quota and its token bucket, kept as the bucket's "theoretical arrival time" {@code tat}:
     * the bucket is full when {@code tat <= now} and each call moves {@code tat} one {@code
     * interval} on, so a call is allowed when {@code tat - now} is at most {@code tolerance} (one
     * second's worth less one call). One compare-and-set per admitted call.
     */
    private static final class Limits {
        final Quota quota;

        /** Nanoseconds per call, or 0 with no rate limit. */
        final long interval;

        final long tolerance;
        final AtomicLong tat;

        Limits(Quota quota, long tat) {
            this.quota = quota;
            double rate = quota.callsPerSecond();
            if (rate > 0) {
                interval = Math.max(1, Math.round(SECOND / rate));
                tolerance = Math.max(0, SECOND - interval);
            } else {
                interval = 0;
                tolerance = 0;
            }
            this.tat = new AtomicLong(tat);
        }

        /** Takes one token; returns 0, or how long until one is available (nanoseconds). */
        long take(long now) {
            if (interval == 0) {
                return 0;
            }
            for (; ; ) {
                long t = tat.get();
                long from = t - now > 0 ? t : now;
                long debt = from - now;
                if (debt > tolerance) {
                    return debt - tolerance;
                }
                if (tat.compareAndSet(t, from + interval)) {
                    return 0;
                }
            }
        }

        boolean isFull(long now) {
            return interval == 0 || tat.get() - now <= 0;
        }

        /** Returns limits for {@code quota} whose bucket keeps this one's tokens, capped. */
        Limits changedTo(Quota quota, long now) {
            Limits next = new Limits(quota, now);
            if (next.interval == interval) {
                next.tat.set(tat.get());
            } else if (interval > 0 && next.interval > 0) {
                long debt = Math.max(0, tat.get() - now);
                double tokens = (double) (tolerance + interval - debt) / interval;
                double capacity = (double) (next.tolerance + next.interval) / next.interval;
                double missing = capacity - Math.max(0, Math.min(tokens, capacity));
                next.tat.set(now + Math.round(missing * next.interval));
            }
            return next;
        }
    }

    /** An admitted call's permit. */
    private static final class Lease implements Permit {
        private static final VarHandle CLOSED;

        static {
            try {
                CLOSED = MethodHandles.lookup().findVarHandle(Lease.class, "closed", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Entry entry;

        @SuppressWarnings("unused") // through CLOSED
        private volatile int closed;

        Lease(Entry entry) {
            this.entry = entry;
        }

        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, 0, 1)) {
                entry.inFlight.decrementAndGet();
            }
        }
    }
}
