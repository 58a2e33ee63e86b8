package dev.maas.recommend.retrieval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.maas.EngineUnavailableException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * DJL {@code matMul} + {@code topK} on the PyTorch engine. The item matrix lives in native memory,
 * created once; each call builds its query and score arrays in a sub-manager closed before the call
 * returns, so nothing accumulates in the index's manager.
 *
 * <p>libtorch does not break ties by index, so the kernel asks for {@code k + 1} results: when the
 * k-th and (k+1)-th scores differ the top k are exactly determined and only re-sorted here; when
 * they tie, or when the query has a filter, the row's scores are copied to Java and selected there.
 * Candidate lists and {@link #score} also use the full score row, so every path sees the same
 * numbers.
 *
 * <p>Two measured choices: the bias is a last matrix column (queries get a matching 1), which saves
 * a pass over the scores; and batches are cut so that one score matrix stays under 24 MiB. Larger
 * outputs are fresh {@code mmap}s on every call (glibc serves blocks up to 32 MiB from its heap
 * once one was freed) whose page faults cost more than the matrix product itself: per query with
 * 100k items, 1.4 ms of {@code matMul} with 167 queries per call against 0.2-0.3 ms with 16.
 */
final class DjlKernel implements TopKKernel {
    private static final String ENGINE = "PyTorch";
    private static final long MAX_SCORES_PER_CALL = 6L << 20;

    private final long maxScoresPerCall;

    private final int n;
    private final int d;

    /** Columns of the stored matrix: d, plus one for the bias. */
    private final int columns;

    private final NDManager manager;

    /** n x columns. */
    private final NDArray items;

    /** columns x n view of {@link #items}. */
    private final NDArray itemsT;

    /** Calls hold the read lock, {@link #close()} the write lock: no native use after free. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    private boolean closed; // guarded by lock

    DjlKernel(float[] rows, int n, int d, float[] bias, boolean hasBias) {
        this(rows, n, d, bias, hasBias, MAX_SCORES_PER_CALL);
    }

    DjlKernel(float[] rows, int n, int d, float[] bias, boolean hasBias, long maxScoresPerCall) {
        this.maxScoresPerCall = maxScoresPerCall;
        this.n = n;
        this.d = d;
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new EngineUnavailableException(
                    "kernel DJL needs the PyTorch engine (Maven artifact"
                            + " dev.maas:maas-engine-pytorch) but it could not start: "
                            + e.getMessage(),
                    e);
        }
        this.columns = hasBias ? d + 1 : d;
        float[] matrix = rows;
        if (hasBias) {
            matrix = new float[n * columns];
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows, i * d, matrix, i * columns, d);
                matrix[i * columns + d] = bias[i];
            }
        }
        this.manager = engine.newBaseManager(Device.cpu());
        try {
            this.items = manager.create(matrix, new Shape(n, columns));
            this.itemsT = items.transpose();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public Kernel kind() {
        return Kernel.DJL;
    }

    @Override
    public int alignment() {
        return 0;
    }

    private void acquire() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("the EmbeddingIndex is closed");
        }
    }

    private void release() {
        lock.readLock().unlock();
    }

    /**
     * Scores {@code count} queries starting at {@code first}: a [count, n] array in {@code sub}.
     */
    private NDArray scores(NDManager sub, float[][] queries, int first, int count) {
        float[] flat = new float[count * columns];
        for (int i = 0; i < count; i++) {
            System.arraycopy(queries[first + i], 0, flat, i * columns, d);
            if (columns > d) {
                flat[i * columns + d] = 1f;
            }
        }
        NDArray q = sub.create(flat, new Shape(count, columns));
        // The query is the left operand so that the result belongs to the sub-manager.
        return q.matMul(itemsT);
    }

    @Override
    public void search(float[] query, Filter filter, int from, int to, TopKCollector out) {
        if (from != 0 || to != n) {
            throw new IllegalArgumentException("the DJL kernel scans whole indexes only");
        }
        searchBatch(new float[][] {query}, new Filter[] {filter}, new TopKCollector[] {out});
    }

    @Override
    public void searchBatch(float[][] queries, Filter[] filters, TopKCollector[] outs) {
        acquire();
        try {
            int perCall = (int) Math.max(1, Math.min(queries.length, maxScoresPerCall / n));
            for (int first = 0; first < queries.length; first += perCall) {
                int count = Math.min(perCall, queries.length - first);
                try (NDManager sub = manager.newSubManager()) {
                    NDArray s = scores(sub, queries, first, count);
                    select(sub, s, filters, outs, first, count);
                }
            }
        } finally {
            release();
        }
    }

    private void select(
            NDManager sub,
            NDArray s,
            Filter[] filters,
            TopKCollector[] outs,
            int first,
            int count) {
        int k = outs[first].k();
        int kk = (int) Math.min((long) k + 1, n);
        NDList top = s.topK(kk, 1, true, true);
        float[] values = top.get(0).toFloatArray();
        long[] indices = top.get(1).toLongArray();
        for (int r = 0; r < count; r++) {
            TopKCollector out = outs[first + r];
            Filter filter = filters[first + r];
            int o = r * kk;
            boolean tie = kk > k && values[o + k - 1] == values[o + k];
            if (filter.isNone() && !tie) {
                for (int i = 0; i < Math.min(k, kk); i++) {
                    out.offer((int) indices[o + i], values[o + i]);
                }
            } else {
                float[] row = s.get(sub, r).toFloatArray();
                offerRow(row, filter, out);
            }
        }
    }

    private static void offerRow(float[] row, Filter filter, TopKCollector out) {
        int[] candidates = filter.candidatesUnsafe();
        if (candidates != null) {
            for (int item : candidates) {
                if (filter.accepts(item)) {
                    out.offer(item, row[item]);
                }
            }
            return;
        }
        boolean all = filter.isNone();
        float thr = out.threshold();
        for (int i = 0; i < row.length; i++) {
            if (row[i] >= thr && (all || filter.accepts(i))) {
                out.offer(i, row[i]);
                thr = out.threshold();
            }
        }
    }

    @Override
    public void searchCandidates(
            float[] query, int[] candidates, Filter filter, TopKCollector out) {
        float[] row = scoreRow(query);
        for (int item : candidates) {
            if (filter.accepts(item)) {
                out.offer(item, row[item]);
            }
        }
    }

    private float[] scoreRow(float[] query) {
        acquire();
        try (NDManager sub = manager.newSubManager()) {
            return scores(sub, new float[][] {query}, 0, 1).toFloatArray();
        } finally {
            release();
        }
    }

    @Override
    public float score(float[] query, int item) {
        return scoreRow(query)[item];
    }

    @Override
    public float[] vector(int item) {
        acquire();
        try (NDManager sub = manager.newSubManager()) {
            return java.util.Arrays.copyOf(items.get(sub, item).toFloatArray(), d);
        } finally {
            release();
        }
    }

    /** Arrays alive in this kernel's manager tree; constant after construction unless leaking. */
    int liveArrays() {
        acquire();
        try {
            return manager.getManagedArrays().size();
        } finally {
            release();
        }
    }

    @Override
    public long memoryBytes() {
        return 4L * n * columns;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                manager.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
