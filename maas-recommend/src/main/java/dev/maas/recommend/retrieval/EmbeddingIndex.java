package dev.maas.recommend.retrieval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact maximum-inner-product search over item vectors: {@code topK(query, k)} returns the {@code
 * k} items with the highest {@code dot(query, item) + bias(item)}, best first, ties broken by the
 * lower item index, optionally restricted by a {@link Filter} (seen items excluded, only licensed
 * items allowed, or an explicit candidate list).
 *
 * <pre>{@code
 * EmbeddingIndex index = EmbeddingIndex.builder(itemFactors, 64)   // n x 64, row-major
 *         .bias(itemBias)
 *         .build();
 * List<IndexHit> top = index.topK(userVector, 10, Filter.excluding(seenItems));
 * }</pre>
 *
 * <p>Every scan is exhaustive: the result is the true top-K of the stored vectors, not an
 * approximation. With {@link Precision#INT8} the stored vectors themselves are approximations of
 * the input (about 4x less memory; see the README for the measured ranking overlap).
 *
 * <p><b>Kernels.</b> {@link Kernel#AUTO} uses the Vector API kernel when the JVM runs with {@code
 * --add-modules jdk.incubator.vector}, and the scalar kernel otherwise; both live on the Java heap.
 * {@link Kernel#DJL} keeps the matrix in libtorch native memory until {@link #close()}.
 *
 * <p><b>Thread-safety.</b> An index is immutable after {@link Builder#build()} and safe for any
 * number of concurrent queries.
 *
 * <p><b>Threads.</b> A large scan or batch is split over up to {@link #parallelism()} threads: the
 * calling thread and the configured executor ({@link ForkJoinPool#commonPool()} by default). By
 * default the parallelism is {@link Runtime#availableProcessors()}; each thread gets at least about
 * a million multiply-adds ({@value #MIN_WORK_PER_THREAD}), so small scans stay on the calling
 * thread. Parts the executor has not started when the caller finishes its own are run by the
 * caller, so a busy executor costs at most the single-threaded time. {@code parallelism(1)} pins
 * every query to the calling thread (best when many requests already keep the cores busy).
 *
 * <p>{@link #close()} releases native memory (DJL kernel); queries after close fail with {@link
 * IllegalStateException}. Closing is idempotent.
 */
public final class EmbeddingIndex implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingIndex.class);

    /**
     * Multiply-adds (items x dimension x queries) a thread must get for a split to pay: about a
     * hundred microseconds of scanning, against tens of microseconds to hand a part over.
     */
    static final long MIN_WORK_PER_THREAD = 1L << 20;

    private static volatile boolean loggedFallback;

    private final int size;
    private final int dimension;
    private final Precision precision;
    private final boolean quantizeQueries;
    private final TopKKernel kernel;
    private final int parallelism;
    private final Executor executor;
    private volatile boolean closed;

    private EmbeddingIndex(Builder b, TopKKernel kernel) {
        this.size = b.size;
        this.dimension = b.dimension;
        this.precision = b.precision;
        this.quantizeQueries = b.quantizeQueries;
        this.kernel = kernel;
        this.parallelism = b.parallelism;
        this.executor = b.executor;
    }

    /**
     * Starts building an index over {@code items}, a row-major {@code n x dimension} matrix (item
     * {@code i} is {@code items[i * dimension .. (i + 1) * dimension - 1]}). The array is read when
     * {@link Builder#build()} runs and is not retained.
     *
     * @throws NullPointerException if {@code items} is null
     * @throws IllegalArgumentException if {@code dimension <= 0}, {@code items} is empty, its
     *     length is not a multiple of {@code dimension}, or the matrix has more than {@code 2^31 -
     *     2^16} values
     */
    public static Builder builder(float[] items, int dimension) {
        return new Builder(items, dimension);
    }

    /** Returns the number of items. */
    public int size() {
        return size;
    }

    /** Returns the vector dimension. */
    public int dimension() {
        return dimension;
    }

    /** Returns how the item vectors are stored. */
    public Precision precision() {
        return precision;
    }

    /** Returns whether queries are quantised to int8 too (only with {@link Precision#INT8}). */
    public boolean quantizesQueries() {
        return quantizeQueries;
    }

    /** Returns the kernel in use; never {@link Kernel#AUTO}. */
    public Kernel kernel() {
        return kernel.kind();
    }

    /** Returns the number of threads a single query may use. */
    public int parallelism() {
        return parallelism;
    }

    /** Returns the bytes held for vectors, scales and biases (native memory for the DJL kernel). */
    public long memoryBytes() {
        return kernel.memoryBytes();
    }

    /**
     * Returns the {@code k} best items for {@code query}, best first.
     *
     * @see #topK(float[], int, Filter)
     */
    public List<IndexHit> topK(float[] query, int k) {
        return topK(query, k, Filter.none());
    }

    /**
     * Returns the {@code k} best items for {@code query} that pass {@code filter}, best first
     * (fewer if fewer items pass). Ties are broken by the lower item index.
     *
     * @throws NullPointerException if {@code query} or {@code filter} is null
     * @throws IllegalArgumentException if {@code k <= 0}, the query's length is not {@link
     *     #dimension()}, it holds NaN or infinity, or a candidate is not an item of this index
     * @throws IllegalStateException if the index is closed
     */
    public List<IndexHit> topK(float[] query, int k, Filter filter) {
        checkK(k);
        checkQuery(query, "query");
        Objects.requireNonNull(filter, "filter");
        checkCandidates(filter);
        checkOpen();
        TopKCollector out = new TopKCollector(k);
        int[] candidates = filter.candidatesUnsafe();
        if (candidates != null) {
            kernel.searchCandidates(query, candidates, filter, out);
            return out.result();
        }
        int parts = singleQueryParts();
        if (parts <= 1) {
            kernel.search(query, filter, 0, size, out);
            return out.result();
        }
        int align = kernel.alignment();
        int chunk = (int) roundUp(((long) size + parts - 1) / parts, align);
        TopKCollector[] partial = new TopKCollector[parts];
        partial[0] = out;
        for (int p = 1; p < parts; p++) {
            partial[p] = new TopKCollector(k);
        }
        runParts(
                parts,
                p -> {
                    int from = p * chunk;
                    int to = (int) Math.min(size, (long) from + chunk);
                    if (from < to) {
                        kernel.search(query, filter, from, to, partial[p]);
                    }
                });
        for (int p = 1; p < parts; p++) {
            out.addAll(partial[p]);
        }
        return out.result();
    }

    /**
     * Returns the {@code k} best items for each query, in query order; the same as calling {@link
     * #topK(float[], int)} for each, but faster for more than a few queries (the item matrix is
     * read once per cache-sized chunk for several queries).
     *
     * @see #topK(float[][], int, List)
     */
    public List<List<IndexHit>> topK(float[][] queries, int k) {
        Objects.requireNonNull(queries, "queries");
        Filter[] filters = new Filter[queries.length];
        Arrays.fill(filters, Filter.none());
        return batch(queries, k, filters);
    }

    /**
     * Returns the {@code k} best items passing {@code filter} for each query, in query order.
     *
     * @see #topK(float[][], int, List)
     */
    public List<List<IndexHit>> topK(float[][] queries, int k, Filter filter) {
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(filter, "filter");
        Filter[] filters = new Filter[queries.length];
        Arrays.fill(filters, filter);
        return batch(queries, k, filters);
    }

    /**
     * Returns, for each query {@code i}, the {@code k} best items passing {@code filters.get(i)};
     * the results equal those of {@link #topK(float[], int, Filter)} query by query. Queries whose
     * filter has a candidate list are scored one by one.
     *
     * @throws NullPointerException if an argument, a query or a filter is null
     * @throws IllegalArgumentException if {@code k <= 0}, {@code filters} and {@code queries}
     *     differ in length, a query has the wrong dimension or a non-finite value, or a candidate
     *     is not an item of this index
     * @throws IllegalStateException if the index is closed
     */
    public List<List<IndexHit>> topK(float[][] queries, int k, List<Filter> filters) {
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(filters, "filters");
        if (filters.size() != queries.length) {
            throw new IllegalArgumentException(
                    "got "
                            + filters.size()
                            + " filters for "
                            + queries.length
                            + " queries; pass one filter per query");
        }
        return batch(queries, k, filters.toArray(new Filter[0]));
    }

    private List<List<IndexHit>> batch(float[][] queries, int k, Filter[] filters) {
        checkK(k);
        for (int i = 0; i < queries.length; i++) {
            checkQuery(queries[i], "queries[" + i + "]");
            Objects.requireNonNull(filters[i], "filters[" + i + "]");
            checkCandidates(filters[i]);
        }
        checkOpen();
        TopKCollector[] outs = new TopKCollector[queries.length];
        List<Integer> scanned = new ArrayList<>(queries.length);
        for (int i = 0; i < queries.length; i++) {
            outs[i] = new TopKCollector(k);
            int[] candidates = filters[i].candidatesUnsafe();
            if (candidates != null) {
                kernel.searchCandidates(queries[i], candidates, filters[i], outs[i]);
            } else {
                scanned.add(i);
            }
        }
        int m = scanned.size();
        float[][] q = new float[m][];
        Filter[] f = new Filter[m];
        TopKCollector[] o = new TopKCollector[m];
        for (int j = 0; j < m; j++) {
            int i = scanned.get(j);
            q[j] = queries[i];
            f[j] = filters[i];
            o[j] = outs[i];
        }
        int parts = batchParts(m);
        if (parts <= 1) {
            if (m > 0) {
                kernel.searchBatch(q, f, o);
            }
        } else {
            int per = (int) roundUp((m + parts - 1) / parts, 4);
            runParts(
                    parts,
                    p -> {
                        int from = Math.min(m, p * per);
                        int to = Math.min(m, from + per);
                        if (from < to) {
                            kernel.searchBatch(
                                    Arrays.copyOfRange(q, from, to),
                                    Arrays.copyOfRange(f, from, to),
                                    Arrays.copyOfRange(o, from, to));
                        }
                    });
        }
        List<List<IndexHit>> results = new ArrayList<>(queries.length);
        for (TopKCollector out : outs) {
            results.add(out.result());
        }
        return List.copyOf(results);
    }

    /**
     * Returns the score of one item for {@code query}, computed as {@link #topK} computes it.
     *
     * @throws IllegalArgumentException if the query is invalid or {@code item} is out of range
     * @throws IllegalStateException if the index is closed
     */
    public float score(float[] query, int item) {
        checkQuery(query, "query");
        checkItem(item, "item");
        checkOpen();
        return kernel.score(query, item);
    }

    /**
     * Returns the scores of the given items for {@code query}, in the given order.
     *
     * @throws IllegalArgumentException if the query is invalid or an item is out of range
     * @throws IllegalStateException if the index is closed
     */
    public float[] scores(float[] query, int... items) {
        checkQuery(query, "query");
        Objects.requireNonNull(items, "items");
        for (int item : items) {
            checkItem(item, "item");
        }
        checkOpen();
        float[] out = new float[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = kernel.score(query, items[i]);
        }
        return out;
    }

    /**
     * Returns a copy of the stored vector of {@code item}; with {@link Precision#INT8} the
     * dequantised vector ({@code code * scale}).
     *
     * @throws IllegalArgumentException if {@code item} is out of range
     * @throws IllegalStateException if the index is closed
     */
    public float[] vector(int item) {
        checkItem(item, "item");
        checkOpen();
        return kernel.vector(item);
    }

    /** Releases the kernel's native memory, if any; safe to call more than once. */
    @Override
    public void close() {
        closed = true;
        kernel.close();
    }

    @Override
    public String toString() {
        return "EmbeddingIndex[size="
                + size
                + ", dimension="
                + dimension
                + ", precision="
                + precision
                + (quantizeQueries ? " (int8 queries)" : "")
                + ", kernel="
                + kernel.kind()
                + ", parallelism="
                + parallelism
                + "]";
    }

    /** The kernel itself, for tests in this package. */
    TopKKernel kernelForTesting() {
        return kernel;
    }

    /** Threads for one scan: at most one per aligned part and per {@link #MIN_WORK_PER_THREAD}. */
    int singleQueryParts() {
        int align = kernel.alignment();
        if (parallelism <= 1 || align == 0) {
            return 1;
        }
        long byWork = (long) size * dimension / MIN_WORK_PER_THREAD;
        long byAlignment = (size + align - 1) / align;
        return (int) Math.max(1, Math.min(parallelism, Math.min(byWork, byAlignment)));
    }

    /** Threads for a batch of {@code m} scanned queries: parts hold whole groups of 4 queries. */
    int batchParts(int m) {
        if (parallelism <= 1 || kernel.alignment() == 0) {
            return 1;
        }
        long byWork = (long) m * size * dimension / MIN_WORK_PER_THREAD;
        return (int) Math.max(1, Math.min(parallelism, Math.min(byWork, (m + 3) / 4)));
    }

    /**
     * Runs parts {@code 0 .. parts - 1}: the caller runs part 0, the executor is offered helpers
     * for the rest, and the caller then claims every part no helper has started yet, so a busy or
     * rejecting executor never leaves the caller waiting for a part that has not begun.
     */
    private void runParts(int parts, IntConsumer part) {
        AtomicInteger next = new AtomicInteger(1);
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable helper =
                () -> {
                    int p;
                    while ((p = next.getAndIncrement()) < parts) {
                        try {
                            part.accept(p);
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        } finally {
                            done.countDown();
                        }
                    }
                };
        for (int p = 1; p < parts; p++) {
            try {
                executor.execute(helper);
            } catch (RejectedExecutionException e) {
                break; // the caller claims the parts itself
            }
        }
        try {
            part.accept(0);
        } finally {
            helper.run();
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // helpers still write into the collectors: wait for them
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException("a part of the query failed", t);
        }
    }

    private static long roundUp(long value, int multiple) {
        return multiple <= 1 ? value : (value + multiple - 1) / multiple * multiple;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the EmbeddingIndex is closed");
        }
    }

    private static void checkK(int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0 but was " + k);
        }
    }

    private void checkQuery(float[] query, String what) {
        Objects.requireNonNull(query, what);
        if (query.length != dimension) {
            throw new IllegalArgumentException(
                    what
                            + " has dimension "
                            + query.length
                            + " but this index expects dimension "
                            + dimension);
        }
        for (int j = 0; j < query.length; j++) {
            if (!Float.isFinite(query[j])) {
                throw new IllegalArgumentException(
                        what
                                + " holds "
                                + query[j]
                                + " at position "
                                + j
                                + "; query values must be finite");
            }
        }
    }

    private void checkItem(int item, String what) {
        if (item < 0 || item >= size) {
            throw new IllegalArgumentException(
                    what
                            + " "
                            + item
                            + " is out of range: this index holds "
                            + size
                            + " items (indices 0 to "
                            + (size - 1)
                            + ")");
        }
    }

    private void checkCandidates(Filter filter) {
        int[] candidates = filter.candidatesUnsafe();
        if (candidates != null && candidates.length > 0) {
            // Sorted ascending: the last one is the largest.
            checkItem(candidates[candidates.length - 1], "candidate item");
        }
    }

    /**
     * Builds an {@link EmbeddingIndex}. Every setter may be called once and checks its argument
     * immediately. Not thread-safe.
     */
    public static final class Builder {
        /** Largest matrix the heap layouts can index with int offsets. */
        static final long MAX_VALUES = Integer.MAX_VALUE - 8;

        /** Integer dot products of int8 codes stay exact in an int up to this dimension. */
        static final int MAX_INT8_QUERY_DIMENSION = 65_536;

        private final float[] items;
        private final int dimension;
        private final int size;
        private float[] bias;
        private Precision precision;
        private Boolean quantizeQueriesSet;
        private boolean quantizeQueries;
        private Kernel kernelChoice;
        private int parallelism;
        private Executor executor;

        private Builder(float[] items, int dimension) {
            Objects.requireNonNull(items, "items");
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be > 0 but was " + dimension);
            }
            if (items.length == 0) {
                throw new IllegalArgumentException(
                        "items is empty; an index needs at least one item");
            }
            if (items.length % dimension != 0) {
                throw new IllegalArgumentException(
                        "items has "
                                + items.length
                                + " values, which is not a multiple of dimension "
                                + dimension
                                + " (expected n * "
                                + dimension
                                + " values for n items)");
            }
            // Layouts pad the item count to a multiple of at most 64 and index with ints.
            long padded = ((long) items.length / dimension + 63) * dimension;
            if (padded > MAX_VALUES) {
                throw new IllegalArgumentException(
                        "items has "
                                + items.length
                                + " values; an index holds at most about "
                                + MAX_VALUES
                                + " (n * dimension)");
            }
            this.items = items;
            this.dimension = dimension;
            this.size = items.length / dimension;
        }

        /**
         * Adds a per-item bias to every score ({@code score = dot(query, item) + bias[item]}); by
         * default there is none. The array is read at {@link #build()} and not retained.
         *
         * @throws IllegalArgumentException if {@code bias.length} is not the number of items
         * @throws IllegalStateException if the bias was already set
         */
        public Builder bias(float[] bias) {
            Objects.requireNonNull(bias, "bias");
            if (this.bias != null) {
                throw new IllegalStateException("bias was already set");
            }
            if (bias.length != size) {
                throw new IllegalArgumentException(
                        "bias has " + bias.length + " entries but there are " + size + " items");
            }
            this.bias = bias;
            return this;
        }

        /**
         * Sets how item vectors are stored; {@link Precision#FLOAT32} by default.
         *
         * @throws IllegalStateException if the precision was already set
         */
        public Builder precision(Precision precision) {
            Objects.requireNonNull(precision, "precision");
            if (this.precision != null) {
                throw new IllegalStateException("precision was already set to " + this.precision);
            }
            this.precision = precision;
            return this;
        }

        /**
         * Also quantises each query to int8 (one scale per query) and scores with integer dot
         * products; only with {@link Precision#INT8}. Off by default: measured, it loses a little
         * ranking accuracy, gains speed only on single queries over large indexes, and is slower in
         * batches, which it answers query by query.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder quantizeQueries(boolean quantize) {
            if (quantizeQueriesSet != null) {
                throw new IllegalStateException(
                        "quantizeQueries was already set to " + quantizeQueriesSet);
            }
            this.quantizeQueriesSet = quantize;
            this.quantizeQueries = quantize;
            return this;
        }

        /**
         * Sets the scoring kernel; {@link Kernel#AUTO} by default.
         *
         * @throws IllegalStateException if the kernel was already set
         */
        public Builder kernel(Kernel kernel) {
            Objects.requireNonNull(kernel, "kernel");
            if (this.kernelChoice != null) {
                throw new IllegalStateException("kernel was already set to " + this.kernelChoice);
            }
            this.kernelChoice = kernel;
            return this;
        }

        /**
         * Lets a single query use up to {@code threads} threads (each scans a contiguous part of
         * the items), and a batch split its queries over them; each thread gets at least {@value
         * EmbeddingIndex#MIN_WORK_PER_THREAD} multiply-adds, so small scans stay on the calling
         * thread. By default {@link Runtime#availableProcessors()}; 1 keeps every query on the
         * calling thread, which gives the best throughput when many requests already keep every
         * core busy. Ignored by the DJL kernel, which uses libtorch's own threads.
         *
         * @throws IllegalArgumentException if {@code threads < 1}
         * @throws IllegalStateException if the parallelism was already set
         */
        public Builder parallelism(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("parallelism must be >= 1 but was " + threads);
            }
            if (this.parallelism != 0) {
                throw new IllegalStateException(
                        "parallelism was already set to " + this.parallelism);
            }
            this.parallelism = threads;
            return this;
        }

        /**
         * Sets the executor that runs the extra parts of a parallel query; {@link
         * ForkJoinPool#commonPool()} by default. If it rejects a part, the calling thread runs it.
         *
         * @throws IllegalStateException if the executor was already set
         */
        public Builder executor(Executor executor) {
            Objects.requireNonNull(executor, "executor");
            if (this.executor != null) {
                throw new IllegalStateException("executor was already set to " + this.executor);
            }
            this.executor = executor;
            return this;
        }

        /**
         * Lays the vectors out for the chosen kernel and returns the index.
         *
         * @throws IllegalArgumentException if an item value or bias is NaN or infinite, or the
         *     options do not combine (DJL with INT8, quantised queries without INT8)
         * @throws IllegalStateException if {@link Kernel#VECTOR} was requested but the Vector API
         *     is not available in this JVM (the message says why)
         * @throws dev.maas.EngineUnavailableException if {@link Kernel#DJL} was requested and the
         *     PyTorch engine cannot start
         */
        public EmbeddingIndex build() {
            if (precision == null) {
                precision = Precision.FLOAT32;
            }
            if (kernelChoice == null) {
                kernelChoice = Kernel.AUTO;
            }
            if (parallelism == 0) {
                parallelism = Runtime.getRuntime().availableProcessors();
            }
            if (executor == null) {
                executor = ForkJoinPool.commonPool();
            }
            if (quantizeQueries && precision != Precision.INT8) {
                throw new IllegalArgumentException(
                        "quantizeQueries(true) needs precision INT8 but precision is " + precision);
            }
            if (quantizeQueries && dimension > MAX_INT8_QUERY_DIMENSION) {
                throw new IllegalArgumentException(
                        "quantizeQueries(true) supports dimensions up to "
                                + MAX_INT8_QUERY_DIMENSION
                                + " but dimension is "
                                + dimension);
            }
            if (kernelChoice == Kernel.DJL && precision != Precision.FLOAT32) {
                throw new IllegalArgumentException(
                        "kernel DJL supports precision FLOAT32 only but precision is "
                                + precision
                                + "; use kernel VECTOR or SCALAR for INT8");
            }
            for (int i = 0; i < items.length; i++) {
                if (!Float.isFinite(items[i])) {
                    throw new IllegalArgumentException(
                            "item "
                                    + i / dimension
                                    + " holds "
                                    + items[i]
                                    + " at dimension "
                                    + i % dimension
                                    + "; item values must be finite");
                }
            }
            float[] b = bias == null ? new float[size] : bias.clone();
            for (int i = 0; i < size; i++) {
                if (!Float.isFinite(b[i])) {
                    throw new IllegalArgumentException(
                            "bias of item " + i + " is " + b[i] + "; biases must be finite");
                }
            }
            TopKKernel kernel = createKernel(b);
            EmbeddingIndex index = new EmbeddingIndex(this, kernel);
            LOG.debug("built {} ({} bytes)", index, kernel.memoryBytes());
            return index;
        }

        private TopKKernel createKernel(float[] b) {
            switch (kernelChoice) {
                case SCALAR:
                    return new ScalarKernel(items, size, dimension, b, precision, quantizeQueries);
                case VECTOR:
                    if (!VectorSupport.available()) {
                        throw new IllegalStateException(
                                "kernel VECTOR is not available: "
                                        + VectorSupport.unavailableReason()
                                        + "; use kernel AUTO to fall back to SCALAR");
                    }
                    return VectorSupport.create(
                            items, size, dimension, b, precision, quantizeQueries);
                case DJL:
                    return new DjlKernel(items, size, dimension, b, bias != null);
                case AUTO:
                default:
                    if (VectorSupport.available()) {
                        return VectorSupport.create(
                                items, size, dimension, b, precision, quantizeQueries);
                    }
                    if (!loggedFallback) {
                        loggedFallback = true;
                        LOG.info(
                                "Vector API kernel unavailable ({}); using the scalar kernel",
                                VectorSupport.unavailableReason());
                    }
                    return new ScalarKernel(items, size, dimension, b, precision, quantizeQueries);
            }
        }
    }
}
