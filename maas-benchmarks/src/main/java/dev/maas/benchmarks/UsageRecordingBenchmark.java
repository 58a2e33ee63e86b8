package dev.maas.benchmarks;

import dev.maas.access.Grantee;
import dev.maas.access.Quota;
import dev.maas.access.QuotaLimiter;
import dev.maas.catalog.UsageRecorder;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the per-call bookkeeping of a shared model costs on the call's thread: recording its usage
 * ({@link UsageRecorder}) and admitting it under its team's quota ({@link QuotaLimiter}), side by
 * side with baselines that do the same surrounding work without the bookkeeping.
 *
 * <p>Each operation takes the thread's next of 8 keys (2 models x 2 versions x 2 principals, shared
 * by all threads, so threads also hit the same counters) and runs one {@link Path}:
 *
 * <ul>
 *   <li>{@code BLACKHOLE}: the baseline; hands the key's model, version and principal to the
 *       blackhole, nothing else;
 *   <li>{@code LONG_ADDER}: a bare {@link LongAdder} increment per key, the floor of any striped
 *       counter;
 *   <li>{@code CLOCK}: a read of the system clock ({@link Clock#millis()}) alone, which the day
 *       check of every recorded call needs;
 *   <li>{@code COUNTER}: {@link UsageRecorder.Counter#increment()} on a handle resolved in setup (a
 *       clock read, the day check, a {@code LongAdder} increment);
 *   <li>{@code RECORD}: {@link UsageRecorder#record(String, int, String)}, which also finds the
 *       counter (two hash lookups and a search among the principal's versions);
 *   <li>{@code QUOTA_NONE}: {@link QuotaLimiter#acquire} and close under {@link Quota#NONE};
 *   <li>{@code QUOTA_GENEROUS}: the same under a quota never reached (1,024 in flight, 10^9
 *       calls/s): the pair lookup, the in-flight and token compare-and-sets, the permit.
 * </ul>
 *
 * <p>{@code oneThread} runs them on one thread, {@code twoThreads} on two at once (contention on
 * the shared keys). The real system clock and ticker are used, as in production.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar UsageRecordingBenchmark
 * java -jar maas-benchmarks/target/maas-benchmarks.jar UsageRecordingBenchmark -p path=COUNTER,LONG_ADDER
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UsageRecordingBenchmark {
    static final int KEYS = 8;

    /** The bookkeeping measured on each call. */
    public enum Path {
        /** The blackhole alone: the surrounding work. */
        BLACKHOLE,
        /** A bare {@code LongAdder} increment. */
        LONG_ADDER,
        /** {@code Clock.systemUTC().millis()}. */
        CLOCK,
        /** {@code UsageRecorder.Counter.increment()}. */
        COUNTER,
        /** {@code UsageRecorder.record(model, version, principal)}. */
        RECORD,
        /** {@code QuotaLimiter.acquire} and close under {@code Quota.NONE}. */
        QUOTA_NONE,
        /** {@code QuotaLimiter.acquire} and close under a quota never reached. */
        QUOTA_GENEROUS
    }

    /** Which bookkeeping each call does. */
    @Param public Path path;

    private final String[] models = new String[KEYS];
    private final int[] versions = new int[KEYS];
    private final String[] principals = new String[KEYS];
    private final Grantee[] grantees = new Grantee[KEYS];
    private final LongAdder[] adders = new LongAdder[KEYS];
    private final UsageRecorder.Counter[] counters = new UsageRecorder.Counter[KEYS];
    private final Quota generous = new Quota(1_024, 1e9);
    private final Clock clock = Clock.systemUTC();
    private UsageRecorder usage;
    private QuotaLimiter limiter;

    /** Each thread's position in the keys. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int nextKey() {
            return next++ & (KEYS - 1);
        }
    }

    @Setup
    public void setUp() {
        usage = new UsageRecorder(clock);
        limiter = new QuotaLimiter();
        for (int k = 0; k < KEYS; k++) {
            models[k] = (k & 1) == 0 ? "ranker" : "movies";
            versions[k] = 1 + ((k >> 1) & 1);
            principals[k] = (k & 4) == 0 ? "svc:home" : "svc:search";
            grantees[k] = Grantee.team((k & 4) == 0 ? "home" : "search");
            adders[k] = new LongAdder();
            counters[k] = usage.counter(models[k], versions[k], principals[k]);
        }
    }

    private void call(int k, Blackhole bh) {
        switch (path) {
            case BLACKHOLE:
                bh.consume(models[k]);
                bh.consume(versions[k]);
                bh.consume(principals[k]);
                break;
            case LONG_ADDER:
                adders[k].increment();
                break;
            case CLOCK:
                bh.consume(clock.millis());
                break;
            case COUNTER:
                counters[k].increment();
                break;
            case RECORD:
                usage.record(models[k], versions[k], principals[k]);
                break;
            case QUOTA_NONE:
                limiter.acquire(grantees[k], models[k], Quota.NONE).close();
                break;
            case QUOTA_GENEROUS:
                limiter.acquire(grantees[k], models[k], generous).close();
                break;
            default:
                throw new IllegalStateException("unknown path " + path);
        }
    }

    /** One thread calling. */
    @Benchmark
    public void oneThread(Cursor cursor, Blackhole bh) {
        call(cursor.nextKey(), bh);
    }

    /** Two threads calling at once, on the same keys. */
    @Benchmark
    @Threads(2)
    public void twoThreads(Cursor cursor, Blackhole bh) {
        call(cursor.nextKey(), bh);
    }
}
