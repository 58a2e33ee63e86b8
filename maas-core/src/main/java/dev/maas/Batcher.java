package dev.maas;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.spi.LoadedModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dynamic batcher of one model version: a bounded queue ({@link BatchQueue}), a fixed set of
 * DJL {@link Predictor}s (one per worker, each used by one thread at a time) and worker threads
 * that take batches from the queue, run them on an idle predictor, and complete each call with its
 * own rows of the outputs.
 *
 * <p>A call whose caller waits for it anyway (a synchronous call without deadline) skips the queue
 * when nothing is queued, no batch delay is configured and the model is idle: it runs at once on
 * the caller's thread, with no hand-off to a worker and back. While the model is busy such calls
 * queue, to be batched, unless the model's recent runs were quicker than a hand-off ({@link
 * ServingConfig#handOffNanos()}): then a caller takes any idle predictor, or makes one more, up to
 * {@link ServingConfig#maxPredictors()}, and still runs its own call. A worker is woken only when
 * there is a queued call and an idle predictor for it.
 *
 * <p>A batch that fails is retried call by call, so that only the calls whose input the engine
 * rejects fail (each with the engine's exception as cause) and the others complete. A model whose
 * outputs turn out not to follow the batch dimension stops batching. Workers survive any failure;
 * the batcher keeps serving until {@link #shutdown()}.
 *
 * <p>Time comes from an injected {@link Ticker}, so tests drive delays and deadlines with a fake
 * clock; after moving the clock they call {@link #wakeUp()} instead of sleeping.
 *
 * <p>Thread-safe.
 */
final class Batcher {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    private final LoadedModel model;
    private final ModelCard card;
    private final ServingConfig config;
    private final Ticker ticker;
    private final ServingMetrics.VersionMetrics metrics;
    private final Runnable onTerminated;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Guarded by {@link #lock}. */
    private final BatchQueue<Call> queue;

    /** Guarded by {@link #lock}. */
    private boolean closing;

    /**
     * Predictors not running anything, most recently used first. Guarded by {@link #lock}.
     *
     * <p>Every predictor is made by one worker (and warmed up) or by a caller, then shared: whoever
     * takes it from here, a worker with a batch or a caller running its own call, is its only user
     * until it puts it back. The lock orders each hand-over, so a predictor is never used by two
     * threads at once.
     */
    private final ArrayDeque<Slot> idle = new ArrayDeque<>();

    /** Every predictor made, closed by the last worker to exit. Guarded by {@link #lock}. */
    private final List<Slot> slots = new ArrayList<>();

    /** Workers not yet exited. Guarded by {@link #lock}. */
    private int live;

    /** Why workers could not start, if they could not. Guarded by {@link #lock}. */
    private Throwable startFailure;

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger starting;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean terminated = new AtomicBoolean();
    private final AtomicBoolean splitWarned = new AtomicBoolean();
    private volatile boolean batching;
    private final boolean callerRuns;

    /** Predictors callers are making now. Guarded by {@link #lock}. */
    private int growing;

    /** False once a caller failed to make a predictor. Guarded by {@link #lock}. */
    private boolean mayGrow = true;

    /**
     * Recent runs quicker (positive) or slower than the hand-off cost. Guarded by {@link #lock}.
     */
    private int votes;

    /** How far {@link #votes} goes either way: how many runs it takes to change its mind. */
    static final int VOTES = 8;

    /** Attempts at the lock before {@link #lockBriefly()} parks. */
    private static final int SPINS = 64;

    /** A predictor and the direct buffers its batches are assembled in. */
    private static final class Slot {
        final Predictor<NDList, NDList> predictor;
        final Tensors.Scratch scratch = new Tensors.Scratch();

        Slot(Predictor<NDList, NDList> predictor) {
            this.predictor = predictor;
        }
    }

    /** A batch taken from the queue and the predictor to run it on. */
    private record Claim(Slot slot, List<Call> batch) {}

    /**
     * @param onTerminated run once, after the last worker exited following {@link #shutdown()}
     */
    Batcher(
            LoadedModel model,
            ServingConfig config,
            Ticker ticker,
            ServingMetrics.VersionMetrics metrics,
            Runnable onTerminated) {
        this.model = model;
        this.card = model.card();
        this.config = config;
        this.ticker = ticker;
        this.metrics = metrics;
        this.onTerminated = onTerminated;
        this.batching = config.batching();
        // A configured delay asks calls to wait for others: they then always queue.
        this.callerRuns = config.maxDelayNanos() == 0;
        this.queue =
                new BatchQueue<>(
                        config.queueCapacity(),
                        config.maxBatchSize(),
                        config.batching() ? Integer.MAX_VALUE : 1,
                        config.maxDelayNanos());
        this.live = config.workers();
        this.starting = new AtomicInteger(config.workers());
        metrics.queueDepth(this::queueDepth);
    }

    /** Starts the workers; each creates its predictor and warms up before taking calls. */
    void start() {
        String base = "maas-" + card.name() + ":" + card.version() + "-worker-";
        for (int i = 0; i < config.workers(); i++) {
            Thread t = new Thread(this::work, base + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Completes when every worker has created its predictor and warmed up (or failed to). */
    CompletableFuture<Void> ready() {
        return ready;
    }

    /** Returns whether calls are still batched. */
    boolean batching() {
        return batching;
    }

    /** Returns how many predictors exist: the workers' and those callers made. */
    int predictors() {
        lock.lock();
        try {
            return slots.size();
        } finally {
            lock.unlock();
        }
    }

    int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code call} at once on the calling thread when {@code callerMayRun} and {@link #claim}
     * finds it a predictor (the call has then ended when this returns); queues it otherwise.
     *
     * @param via the reference the caller used, for messages
     * @param callerMayRun whether the caller can wait here for the result (it would block on it
     *     anyway, without a deadline to honour while the model runs)
     * @throws OverloadedException if the queue is full
     * @throws MaasException if no worker could start (the cause says why)
     */
    void submit(Call call, ModelRef via, boolean callerMayRun) {
        if (callerMayRun && callerRuns) {
            Slot slot = claim(call);
            if (slot != null) {
                runHere(slot, call);
                return;
            }
        }
        call.detach();
        lock.lock();
        try {
            checkServing();
            call.enqueuedAt(ticker.read());
            if (!queue.offer(call)) {
                throw new OverloadedException(
                        "endpoint "
                                + via
                                + " ("
                                + card.ref()
                                + ") is overloaded: its queue is full at its capacity of "
                                + queue.capacity()
                                + " calls; retry later, or raise the capacity (ServingOptions"
                                + " queueCapacity, card property "
                                + ServingOptions.QUEUE_CAPACITY
                                + ")");
            }
            if (!idle.isEmpty()) {
                // Only a worker that finds an idle predictor can run the call: wake one.
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Finds a predictor for a call its caller runs, or null if the call is to queue. When most
     * recent runs took less than the hand-off cost ({@link #quick()}), an idle predictor will do if
     * nothing is queued (queued calls have the first claim on idle ones), and otherwise the caller
     * makes one, within {@link ServingConfig#maxPredictors()}: a quick model's callers never wait
     * behind a queue while a predictor can be made. Otherwise the model must be idle and nothing
     * queued: calls that arrive while it is busy queue, to be batched.
     */
    private Slot claim(Call call) {
        lockBriefly();
        try {
            checkServing();
            boolean quick = quick();
            // Idle predictors go to queued calls first (a worker is on its way for them).
            if (queue.isEmpty() && !idle.isEmpty() && (quick || idle.size() == slots.size())) {
                call.enqueuedAt(ticker.read());
                return idle.pop();
            }
            if (!quick || !mayGrow || slots.size() + growing >= config.maxPredictors()) {
                return null;
            }
            growing++;
        } finally {
            lock.unlock();
        }
        Slot made = null;
        try {
            made = new Slot(model.newPredictor());
        } catch (RuntimeException | Error e) {
            LOG.debug("{}: cannot make another predictor; calls queue instead", card.ref(), e);
        }
        lockBriefly();
        try {
            growing--;
            if (made == null) {
                mayGrow = false;
                return null;
            }
            slots.add(made);
            call.enqueuedAt(ticker.read());
            return made;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@link #lock} for one of the short steps callers take on every call, spinning briefly
     * before parking: the lock is held for well under a microsecond, and parking a caller and
     * waking it again costs two context switches, more than the call it is about to run.
     */
    private void lockBriefly() {
        for (int i = 0; i < SPINS; i++) {
            if (lock.tryLock()) {
                return;
            }
            Thread.onSpinWait();
        }
        lock.lock();
    }

    /** Throws unless the batcher takes calls. Under {@link #lock}. */
    private void checkServing() {
        if (closing) {
            throw new IllegalStateException("model " + card.ref() + " is closed");
        }
        if (live == 0) {
            throw new MaasException(
                    "model " + card.ref() + " cannot run predictions: " + startFailure,
                    startFailure);
        }
    }

    /**
     * Whether most recent runs took less than the hand-off cost per call: a call run by its caller
     * would then cost less than handing it to a worker, even in a batch. Under {@link #lock}.
     *
     * @see #timed(long)
     */
    private boolean quick() {
        return votes > 0;
    }

    /**
     * Counts a run of {@code nanos} per call (negative: nothing ran) towards {@link #quick()}: a
     * bounded up-down count, so the median of the last runs decides and a few preempted runs do
     * not. Under {@link #lock}.
     */
    private void timed(long nanos) {
        if (nanos < 0) {
            return;
        }
        votes =
                nanos < config.handOffNanos()
                        ? Math.min(votes + 1, VOTES)
                        : Math.max(votes - 1, -VOTES);
    }

    /** Runs a call on the caller's thread with {@code slot}, which it then puts back. */
    private void runHere(Slot slot, Call call) {
        List<Tensors.Tensor> outputs = null;
        Throwable failure = null;
        long start = ticker.read();
        long ran = -1;
        try {
            if (!call.start(start)) {
                return;
            }
            metrics.queued(start - call.enqueuedAt());
            if (call.local() != null) {
                call.localOutput(runLocal(slot, call));
                outputs = List.of();
            } else {
                outputs = run(slot, List.of(call.input()), true).get(0);
            }
            ran = ticker.read() - start;
        } catch (Exception | Error e) {
            failure = failure(e);
        } finally {
            // Back before the call ends: its end may release the model and close the batcher.
            putBack(slot, ran);
        }
        if (failure != null) {
            fail(call, failure);
        } else if (outputs != null) {
            deliver(call, outputs);
        }
    }

    /**
     * Runs a local call: the caller's arrays go to the predictor as they are, and the outputs
     * become arrays of the caller's manager; nothing else is left there.
     */
    private NDList runLocal(Slot slot, Call call) throws Exception {
        long start = ticker.read();
        NDList in = call.local();
        NDManager caller = in.head().getManager();
        // The engine attaches what it makes to the inputs' manager: lend them a scope, closed with
        // the intermediate arrays once the outputs are handed over; the inputs then return.
        try (NDManager scope = caller.newSubManager()) {
            in.tempAttach(scope);
            return Tensors.adopt(card, slot.predictor.predict(in), in, caller);
        } finally {
            metrics.batch(call.localRows(), ticker.read() - start);
        }
    }

    /**
     * Returns a predictor that ran for {@code ran} nanoseconds per call (negative: not counted);
     * wakes a worker if calls queued meanwhile.
     */
    private void putBack(Slot slot, long ran) {
        lockBriefly();
        try {
            timed(ran);
            idle.push(slot);
            if (!queue.isEmpty()) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code call} from the queue if it is still there. */
    boolean remove(Call call) {
        lock.lock();
        try {
            return queue.remove(call);
        } finally {
            lock.unlock();
        }
    }

    /** Makes waiting workers look at the queue again (after a fake clock moved, in tests). */
    void wakeUp() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the workers and closes the model; the queue is empty by then (every queued call holds a
     * reference on the model). Called from any other thread than a worker, it returns after the
     * workers have exited and the model is closed, so that closing a service frees its models
     * before it returns. Called by a worker (the last call of a model ended there), it closes the
     * model at once, before that call's caller sees the result; the other workers are idle and exit
     * on their own, closing their predictors. Safe to call more than once.
     */
    void shutdown() {
        boolean now;
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
            now = live == 0;
        } finally {
            lock.unlock();
        }
        if (now || threads.contains(Thread.currentThread())) {
            terminate();
            return;
        }
        try {
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        terminate();
    }

    private void terminate() {
        if (terminated.compareAndSet(false, true)) {
            metrics.close();
            onTerminated.run();
        }
    }

    private void work() {
        try {
            Slot own = newSlot();
            if (own == null) {
                return;
            }
            Claim claim;
            while ((claim = take()) != null) {
                execute(claim.slot(), claim.batch());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exited();
        }
    }

    /**
     * Makes this worker's predictor, warms it up and adds it to the idle ones; null (the reason
     * kept for callers) when it cannot be made.
     */
    private Slot newSlot() {
        Predictor<NDList, NDList> predictor = null;
        try {
            predictor = model.newPredictor();
            Slot own = new Slot(predictor);
            if (config.warmUp()) {
                warmUp(own);
            }
            lock.lock();
            try {
                slots.add(own);
                idle.push(own);
                if (!queue.isEmpty()) {
                    changed.signal();
                }
            } finally {
                lock.unlock();
            }
            return own;
        } catch (RuntimeException | Error e) {
            LOG.debug("{}: worker cannot get a predictor", card.ref(), e);
            if (predictor != null) {
                predictor.close();
            }
            lock.lock();
            try {
                startFailure = e;
            } finally {
                lock.unlock();
            }
            return null;
        } finally {
            if (starting.decrementAndGet() == 0) {
                ready.complete(null);
            }
        }
    }

    private void exited() {
        List<Call> orphans;
        List<Slot> made;
        boolean close;
        Throwable why;
        lock.lock();
        try {
            live--;
            if (live > 0) {
                return;
            }
            orphans = queue.drain();
            made = new ArrayList<>(slots);
            slots.clear();
            idle.clear();
            close = closing;
            why = startFailure;
        } finally {
            lock.unlock();
        }
        // No call holds a predictor now: callers hold the model while they run, and the workers
        // exit only once it is closing (or could not start).
        for (Slot slot : made) {
            try {
                slot.predictor.close();
            } catch (RuntimeException e) {
                LOG.debug("{}: closing a predictor failed", card.ref(), e);
            }
        }
        for (Call c : orphans) {
            fail(
                    c,
                    new MaasException(
                            "model "
                                    + card.ref()
                                    + (close ? " was closed" : " cannot run predictions: " + why),
                            why));
        }
        if (close) {
            terminate();
        }
    }

    private void warmUp(Slot slot) {
        if (card.inputs().isEmpty()) {
            return;
        }
        long start = ticker.read();
        for (int size : config.warmUpSizes()) {
            var input = Tensors.zeros(card.inputs(), size, config.batching());
            if (input.isEmpty()) {
                return;
            }
            try {
                run(slot, List.of(input.get()), false);
            } catch (Exception e) {
                LOG.warn(
                        "{}: warm-up with a batch of {} zeros failed, skipping warm-up: {}",
                        card.ref(),
                        size,
                        e.toString());
                return;
            }
        }
        LOG.debug(
                "{}: warmed up batch sizes {} in {} ms",
                card.ref(),
                config.warmUpSizes(),
                TimeUnit.NANOSECONDS.toMillis(ticker.read() - start));
    }

    /**
     * Waits for the next batch and an idle predictor to run it; null once shutting down with
     * nothing queued.
     */
    private Claim take() throws InterruptedException {
        while (true) {
            BatchQueue.Poll<Call> p;
            Slot slot = null;
            lock.lock();
            try {
                while (true) {
                    if (idle.isEmpty()) {
                        // Every predictor is running: whoever puts one back wakes a worker.
                        if (closing && queue.isEmpty()) {
                            return null;
                        }
                        changed.await();
                        continue;
                    }
                    p = queue.poll(ticker.read());
                    if (p.batch() != null || !p.expired().isEmpty()) {
                        if (p.batch() != null) {
                            slot = idle.pop();
                        }
                        if (!queue.isEmpty() && !idle.isEmpty()) {
                            changed.signal();
                        }
                        break;
                    }
                    if (closing) {
                        return null;
                    }
                    if (p.waitNanos() == Long.MAX_VALUE) {
                        changed.await();
                    } else {
                        changed.awaitNanos(p.waitNanos());
                    }
                }
            } finally {
                lock.unlock();
            }
            long now = ticker.read();
            for (Call c : p.expired()) {
                if (c.end() >= 0) {
                    c.settle(null, deadlineExceeded(card, c, now, false));
                }
            }
            if (p.batch() != null) {
                return new Claim(slot, p.batch());
            }
        }
    }

    /**
     * Runs a batch and puts {@code slot} back. When the batch ran as one, the predictor goes back
     * (with the model's time per call counted towards {@link #quick()}) before the callers see
     * their results, so that a caller who calls again at once finds it idle.
     */
    private void execute(Slot slot, List<Call> batch) {
        long start = ticker.read();
        List<Call> calls = new ArrayList<>(batch.size());
        for (Call c : batch) {
            if (c.start(start)) {
                metrics.queued(start - c.enqueuedAt());
                calls.add(c);
            }
        }
        if (calls.isEmpty()) {
            putBack(slot, -1);
            return;
        }
        List<List<Tensors.Tensor>> outputs;
        try {
            outputs = run(slot, inputs(calls), true);
        } catch (Tensors.SplitException e) {
            stopBatching(e);
            runEach(slot, calls);
            putBack(slot, -1);
            return;
        } catch (Exception | Error e) {
            if (calls.size() == 1) {
                fail(calls.get(0), failure(e));
            } else {
                LOG.debug(
                        "{}: batch of {} calls failed, running them one by one",
                        card.ref(),
                        calls.size(),
                        e);
                runEach(slot, calls);
            }
            putBack(slot, -1);
            return;
        }
        putBack(slot, (ticker.read() - start) / calls.size());
        for (int i = 0; i < calls.size(); i++) {
            deliver(calls.get(i), outputs.get(i));
        }
    }

    private void runEach(Slot slot, List<Call> calls) {
        for (Call c : calls) {
            if (c.isDone()) {
                continue;
            }
            try {
                deliver(c, run(slot, List.of(c.input()), true).get(0));
            } catch (Exception | Error e) {
                fail(c, failure(e));
            }
        }
    }

    private static List<Tensors.Input> inputs(List<Call> calls) {
        List<Tensors.Input> inputs = new ArrayList<>(calls.size());
        for (Call c : calls) {
            inputs.add(c.input());
        }
        return inputs;
    }

    /**
     * Runs one batch in a sub-manager of the model's manager, closed before returning; the outputs
     * are copied out first. {@code record}: whether the batch counts in the metrics (warm-up does
     * not).
     */
    private List<List<Tensors.Tensor>> run(Slot slot, List<Tensors.Input> in, boolean record)
            throws Exception {
        long start = ticker.read();
        int rows = 0;
        for (Tensors.Input i : in) {
            rows += i.rows();
        }
        try (NDManager batch = model.djlModel().getNDManager().newSubManager()) {
            NDList input = Tensors.assemble(batch, in, slot.scratch);
            NDList output = slot.predictor.predict(input);
            return Tensors.split(card, output, in);
        } finally {
            if (record) {
                metrics.batch(rows, ticker.read() - start);
            }
        }
    }

    private void stopBatching(Tensors.SplitException e) {
        batching = false;
        lock.lock();
        try {
            queue.maxItems(1);
        } finally {
            lock.unlock();
        }
        if (splitWarned.compareAndSet(false, true)) {
            LOG.warn("{}: batching turned off: {}", card.ref(), e.getMessage());
        }
    }

    private MaasException failure(Throwable e) {
        if (e instanceof Error err && !(e instanceof StackOverflowError)) {
            LOG.error("{}: engine error", card.ref(), e);
        }
        return e instanceof Exception ex
                ? Signatures.engineFailure(card, ex)
                : new MaasException("model " + card.ref() + " failed on this input: " + e, e);
    }

    private static void deliver(Call c, List<Tensors.Tensor> outputs) {
        if (c.end() >= 0) {
            c.settle(outputs, null);
        }
    }

    private static void fail(Call c, Throwable e) {
        if (c.end() >= 0) {
            c.settle(null, e);
        }
    }

    /** Returns the exception for a call that missed its deadline at {@code now}. */
    static DeadlineExceededException deadlineExceeded(
            ModelCard card, Call c, long now, boolean started) {
        return new DeadlineExceededException(
                "call to model "
                        + card.ref()
                        + " missed its deadline of "
                        + millis(c.deadline() - c.startedAt())
                        + " ms after "
                        + millis(now - c.startedAt())
                        + " ms "
                        + (started
                                ? "while running; its result is discarded"
                                : "while queued; it was skipped and never ran"));
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
