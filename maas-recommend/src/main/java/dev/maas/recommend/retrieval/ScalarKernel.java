package dev.maas.recommend.retrieval;

/**
 * Plain Java loops over row-major item vectors: one dot product per item, a threshold test, and a
 * heap insert for the few items that beat the current k-th best. The reference peer for the other
 * kernels and the fallback where the Vector API is not available.
 */
final class ScalarKernel implements TopKKernel {
    private final int n;
    private final int d;

    /** Row-major n x d values (FLOAT32), else null. */
    private final float[] rows;

    /** Row-major n x d codes (INT8), else null. */
    private final byte[] codes;

    /** Per-row scales (INT8), else null. */
    private final float[] scales;

    private final float[] bias;
    private final boolean quantizeQueries;

    ScalarKernel(
            float[] items,
            int n,
            int d,
            float[] bias,
            Precision precision,
            boolean quantizeQueries) {
        this.n = n;
        this.d = d;
        this.bias = bias.clone();
        this.quantizeQueries = quantizeQueries;
        if (precision == Precision.FLOAT32) {
            this.rows = items.clone();
            this.codes = null;
            this.scales = null;
        } else {
            this.rows = null;
            this.codes = new byte[n * d];
            this.scales = new float[n];
            for (int i = 0; i < n; i++) {
                int o = i * d;
                float s = Int8.scale(items, o, d);
                scales[i] = s;
                for (int j = 0; j < d; j++) {
                    codes[o + j] = Int8.code(items[o + j], s);
                }
            }
        }
    }

    @Override
    public Kernel kind() {
        return Kernel.SCALAR;
    }

    @Override
    public int alignment() {
        return 64;
    }

    @Override
    public void search(float[] query, Filter filter, int from, int to, TopKCollector out) {
        long[] allow = filter.allowWords();
        long[] exclude = filter.excludeWords();
        boolean filtered = allow != null || exclude != null;
        if (rows != null) {
            float thr = out.threshold();
            for (int i = from; i < to; i++) {
                if (filtered && !passes(allow, exclude, i)) {
                    continue;
                }
                float s = dot(query, rows, i * d) + bias[i];
                if (s >= thr) {
                    out.offer(i, s);
                    thr = out.threshold();
                }
            }
        } else if (quantizeQueries) {
            Int8.Query q = new Int8.Query(query);
            float thr = out.threshold();
            for (int i = from; i < to; i++) {
                if (filtered && !passes(allow, exclude, i)) {
                    continue;
                }
                float s = scoreInt(q, i);
                if (s >= thr) {
                    out.offer(i, s);
                    thr = out.threshold();
                }
            }
        } else {
            float thr = out.threshold();
            for (int i = from; i < to; i++) {
                if (filtered && !passes(allow, exclude, i)) {
                    continue;
                }
                float s = dot(query, codes, i * d) * scales[i] + bias[i];
                if (s >= thr) {
                    out.offer(i, s);
                    thr = out.threshold();
                }
            }
        }
    }

    @Override
    public void searchBatch(float[][] queries, Filter[] filters, TopKCollector[] outs) {
        for (int i = 0; i < queries.length; i++) {
            search(queries[i], filters[i], 0, n, outs[i]);
        }
    }

    @Override
    public void searchCandidates(
            float[] query, int[] candidates, Filter filter, TopKCollector out) {
        Int8.Query q = codes != null && quantizeQueries ? new Int8.Query(query) : null;
        for (int item : candidates) {
            if (filter.accepts(item)) {
                out.offer(item, q != null ? scoreInt(q, item) : score(query, item));
            }
        }
    }

    @Override
    public float score(float[] query, int item) {
        if (rows != null) {
            return dot(query, rows, item * d) + bias[item];
        }
        if (quantizeQueries) {
            return scoreInt(new Int8.Query(query), item);
        }
        return dot(query, codes, item * d) * scales[item] + bias[item];
    }

    private float scoreInt(Int8.Query q, int item) {
        int[] qc = q.codes;
        int o = item * d;
        int acc = 0;
        for (int j = 0; j < d; j++) {
            acc += qc[j] * codes[o + j];
        }
        return (float) acc * (scales[item] * q.scale) + bias[item];
    }

    private float dot(float[] q, float[] x, int o) {
        float s = 0f;
        for (int j = 0; j < d; j++) {
            s += q[j] * x[o + j];
        }
        return s;
    }

    private float dot(float[] q, byte[] x, int o) {
        float s = 0f;
        for (int j = 0; j < d; j++) {
            s += q[j] * x[o + j];
        }
        return s;
    }

    static boolean passes(long[] allow, long[] exclude, int i) {
        int w = i >>> 6;
        long bit = 1L << i;
        return (allow == null || (w < allow.length && (allow[w] & bit) != 0))
                && (exclude == null || w >= exclude.length || (exclude[w] & bit) == 0);
    }

    @Override
    public float[] vector(int item) {
        float[] v = new float[d];
        int o = item * d;
        for (int j = 0; j < d; j++) {
            v[j] = rows != null ? rows[o + j] : codes[o + j] * scales[item];
        }
        return v;
    }

    @Override
    public long memoryBytes() {
        long values = rows != null ? 4L * rows.length : codes.length + 4L * scales.length;
        return values + 4L * bias.length;
    }

    @Override
    public void close() {}
}
