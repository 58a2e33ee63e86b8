package dev.maas.recommend.retrieval;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scoring loops written with the Java Vector API.
 *
 * <p>Layout: items are grouped in tiles of {@code T = 4 * L} items ({@code L} is the float lane
 * count: 16 with AVX-512, 8 with AVX2), and inside a tile the values are stored dimension-major:
 * dimension {@code j} of the tile's {@code T} items is {@code T} consecutive values, four vectors
 * of {@code L} items ("blocks"). A block's scores for one query are {@code d} fused multiply-adds
 * of such loads with the broadcast query value, with no horizontal reductions, and the top-K
 * threshold test is one vector compare per block. Each item's score is a sequential FMA chain over
 * {@code j} starting from zero, then the bias is added: the same in the single, batched and
 * per-item paths (and the same as in the earlier block-major layout), so they agree to the bit.
 *
 * <p>Single queries stream the matrix once, in one sequential stream, and are bound by memory
 * bandwidth; the four blocks of a tile are four independent FMA chains that overlap. Batches are
 * tiled: a chunk of tiles small enough to stay in the L2 cache is scored against four queries at a
 * time (4 x 4 accumulators), which turns the loop from memory-bound into compute-bound. int8 blocks
 * are converted to float in registers, once per 4 queries. (Converting each chunk once into a float
 * scratch array for all query groups was measured slower: about 51 against 45 ms for 256 queries
 * over 100,000 items.)
 *
 * <p>Scores are compared with the threshold in registers; they are spilled to a small scratch array
 * only when some lane reaches it, which after the first few blocks of a scan is rare. (A store of a
 * whole vector followed at once by loads of it stalls when store-to-load forwarding fails, as it
 * does when the store straddles a cache line.)
 *
 * <p>Only load this class after {@link VectorSupport} has confirmed that the {@code
 * jdk.incubator.vector} module is present; it cannot link without it.
 */
final class VectorKernel implements TopKKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();

    /** Items per tile. */
    static final int T = 4 * L;

    static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final long FULL = L >= 64 ? -1L : (1L << L) - 1;

    /** Bytes of item data per batched chunk: fits the L2 cache with room for the queries. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private final int n;
    private final int d;
    private final int tiles;

    /** Values per tile: {@code d * T}. */
    private final int tileStride;

    /** Tiles whose every block is full of real items: those before the last block's tile. */
    private final int fullTiles;

    /** Index of the block holding the last item, and the lane mask of its real items. */
    private final int lastBlock;

    private final long lastFull;

    private final float[] f32;
    private final byte[] i8;

    /** Per-item scales padded to {@code tiles * T} (INT8), else null. */
    private final float[] scale;

    /** Per-item biases padded to {@code tiles * T}. */
    private final float[] bias;

    private final boolean quantizeQueries;
    private final int chunkTiles;

    /** Returns why this kernel cannot run on this CPU, or null if it can. Called reflectively. */
    static String unsupportedReason() {
        if (L == 8 || L == 16) {
            return null;
        }
        return "the CPU's preferred float vector has "
                + L
                + " lanes; the vector kernel needs 8 (AVX2) or 16 (AVX-512)";
    }

    /** Float lanes of this JVM's preferred species. Called reflectively. */
    static int lanes() {
        return L;
    }

    VectorKernel(
            float[] items,
            int n,
            int d,
            float[] bias,
            Precision precision,
            boolean quantizeQueries) {
        this.n = n;
        this.d = d;
        this.tiles = (n + T - 1) / T;
        this.tileStride = d * T;
        this.lastBlock = (n - 1) / L;
        this.fullTiles = lastBlock / 4;
        int tail = n - lastBlock * L;
        this.lastFull = tail >= 64 ? -1L : (1L << tail) - 1;
        this.quantizeQueries = quantizeQueries;
        int padded = tiles * T;
        this.bias = new float[padded];
        System.arraycopy(bias, 0, this.bias, 0, n);
        if (precision == Precision.FLOAT32) {
            this.f32 = new float[tiles * tileStride];
            this.i8 = null;
            this.scale = null;
            for (int i = 0; i < n; i++) {
                int dst = offset(i);
                int src = i * d;
                for (int j = 0; j < d; j++) {
                    f32[dst + j * T] = items[src + j];
                }
            }
        } else {
            this.f32 = null;
            this.i8 = new byte[tiles * tileStride];
            this.scale = new float[padded];
            for (int i = 0; i < n; i++) {
                int dst = offset(i);
                int src = i * d;
                float s = Int8.scale(items, src, d);
                scale[i] = s;
                for (int j = 0; j < d; j++) {
                    i8[dst + j * T] = Int8.code(items[src + j], s);
                }
            }
        }
        int tileBytes = tileStride * (f32 != null ? 4 : 1);
        this.chunkTiles = Math.max(1, CHUNK_BYTES / tileBytes);
    }

    /** Returns the position of dimension 0 of {@code item}; dimension j is {@code j * T} later. */
    private int offset(int item) {
        return (item / T) * tileStride + item % T;
    }

    @Override
    public Kernel kind() {
        return Kernel.VECTOR;
    }

    @Override
    public int alignment() {
        return T;
    }

    private long full(int block) {
        return block < lastBlock ? FULL : block == lastBlock ? lastFull : 0L;
    }

    private long lanes(long[] allow, long[] exclude, int block) {
        long full = full(block);
        return full == 0 ? 0 : Filter.laneMask(allow, exclude, block * L, full);
    }

    @Override
    public void search(float[] query, Filter filter, int from, int to, TopKCollector out) {
        int t0 = from / T;
        int t1 = (to + T - 1) / T;
        long[] allow = filter.allowWords();
        long[] exclude = filter.excludeWords();
        if (f32 != null) {
            scanF32(query, allow, exclude, t0, t1, out);
        } else if (quantizeQueries) {
            scanI8Int(new Int8.Query(query), allow, exclude, t0, t1, out);
        } else {
            scanI8(query, allow, exclude, t0, t1, out);
        }
    }

    /**
     * Offers the {@code lanes} of {@code scores[0 .. L - 1]} to {@code out}; called only when some
     * lane reached the threshold.
     *
     * <p>No method in this class takes or returns a vector: when C2 does not inline such a call
     * (for instance because the callee was already compiled into a large method) it boxes the
     * vector, allocating on every block. Scores therefore go through a small scratch array.
     */
    private static void offerLanes(float[] scores, long lanes, int base, TopKCollector out) {
        while (lanes != 0) {
            int lane = Long.numberOfTrailingZeros(lanes);
            out.offer(base + lane, scores[lane]);
            lanes &= lanes - 1;
        }
    }

    private void scanF32(
            float[] q, long[] allow, long[] exclude, int t0, int t1, TopKCollector out) {
        final float[] x = f32;
        final int d = this.d;
        final float[] tmp = new float[L];
        for (int t = t0; t < t1; t++) {
            int b = 4 * t;
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            // One stream: dimension j of the tile's 4 * L items is 4 consecutive vectors.
            for (int j = 0, p = t * tileStride; j < d; j++, p += T) {
                FloatVector qj = FloatVector.broadcast(F, q[j]);
                a0 = FloatVector.fromArray(F, x, p).fma(qj, a0);
                a1 = FloatVector.fromArray(F, x, p + L).fma(qj, a1);
                a2 = FloatVector.fromArray(F, x, p + 2 * L).fma(qj, a2);
                a3 = FloatVector.fromArray(F, x, p + 3 * L).fma(qj, a3);
            }
            int base = t * T;
            FloatVector s;
            s = a0.add(FloatVector.fromArray(F, bias, base));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m0, base, out);
            }
            s = a1.add(FloatVector.fromArray(F, bias, base + 1 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m1, base + 1 * L, out);
            }
            s = a2.add(FloatVector.fromArray(F, bias, base + 2 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m2, base + 2 * L, out);
            }
            s = a3.add(FloatVector.fromArray(F, bias, base + 3 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m3, base + 3 * L, out);
            }
        }
    }

    private void scanI8(
            float[] q, long[] allow, long[] exclude, int t0, int t1, TopKCollector out) {
        final byte[] x = i8;
        final int d = this.d;
        final float[] tmp = new float[L];
        for (int t = t0; t < t1; t++) {
            int b = 4 * t;
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            // One stream: dimension j of the tile's 4 * L items is 4 consecutive vectors.
            for (int j = 0, p = t * tileStride; j < d; j++, p += T) {
                FloatVector qj = FloatVector.broadcast(F, q[j]);
                a0 = ((FloatVector) ByteVector.fromArray(B, x, p).castShape(F, 0)).fma(qj, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, x, p + L).castShape(F, 0)).fma(qj, a1);
                a2 =
                        ((FloatVector) ByteVector.fromArray(B, x, p + 2 * L).castShape(F, 0))
                                .fma(qj, a2);
                a3 =
                        ((FloatVector) ByteVector.fromArray(B, x, p + 3 * L).castShape(F, 0))
                                .fma(qj, a3);
            }
            int base = t * T;
            FloatVector s;
            s =
                    a0.mul(FloatVector.fromArray(F, scale, base))
                            .add(FloatVector.fromArray(F, bias, base));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m0, base, out);
            }
            s =
                    a1.mul(FloatVector.fromArray(F, scale, base + 1 * L))
                            .add(FloatVector.fromArray(F, bias, base + 1 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m1, base + 1 * L, out);
            }
            s =
                    a2.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                            .add(FloatVector.fromArray(F, bias, base + 2 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m2, base + 2 * L, out);
            }
            s =
                    a3.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                            .add(FloatVector.fromArray(F, bias, base + 3 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m3, base + 3 * L, out);
            }
        }
    }

    private void scanI8Int(
            Int8.Query q, long[] allow, long[] exclude, int t0, int t1, TopKCollector out) {
        final byte[] x = i8;
        final int[] qc = q.codes;
        final float qs = q.scale;
        final int d = this.d;
        final float[] tmp = new float[L];
        for (int t = t0; t < t1; t++) {
            int b = 4 * t;
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            IntVector a0 = IntVector.zero(I);
            IntVector a1 = a0;
            IntVector a2 = a0;
            IntVector a3 = a0;
            for (int j = 0, p = t * tileStride; j < d; j++, p += T) {
                IntVector qj = IntVector.broadcast(I, qc[j]);
                a0 = ((IntVector) ByteVector.fromArray(B, x, p).castShape(I, 0)).mul(qj).add(a0);
                a1 =
                        ((IntVector) ByteVector.fromArray(B, x, p + L).castShape(I, 0))
                                .mul(qj)
                                .add(a1);
                a2 =
                        ((IntVector) ByteVector.fromArray(B, x, p + 2 * L).castShape(I, 0))
                                .mul(qj)
                                .add(a2);
                a3 =
                        ((IntVector) ByteVector.fromArray(B, x, p + 3 * L).castShape(I, 0))
                                .mul(qj)
                                .add(a3);
            }
            int base = t * T;
            FloatVector s;
            s =
                    ((FloatVector) a0.castShape(F, 0))
                            .mul(FloatVector.fromArray(F, scale, base).mul(qs))
                            .add(FloatVector.fromArray(F, bias, base));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m0, base, out);
            }
            s =
                    ((FloatVector) a1.castShape(F, 0))
                            .mul(FloatVector.fromArray(F, scale, base + L).mul(qs))
                            .add(FloatVector.fromArray(F, bias, base + L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m1, base + L, out);
            }
            s =
                    ((FloatVector) a2.castShape(F, 0))
                            .mul(FloatVector.fromArray(F, scale, base + 2 * L).mul(qs))
                            .add(FloatVector.fromArray(F, bias, base + 2 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m2, base + 2 * L, out);
            }
            s =
                    ((FloatVector) a3.castShape(F, 0))
                            .mul(FloatVector.fromArray(F, scale, base + 3 * L).mul(qs))
                            .add(FloatVector.fromArray(F, bias, base + 3 * L));
            if (s.compare(VectorOperators.GE, out.threshold()).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, m3, base + 3 * L, out);
            }
        }
    }

    @Override
    public void searchBatch(float[][] queries, Filter[] filters, TopKCollector[] outs) {
        int nq = queries.length;
        if (quantizeQueries) {
            for (int i = 0; i < nq; i++) {
                search(queries[i], filters[i], 0, n, outs[i]);
            }
            return;
        }
        long[][] allow = new long[nq][];
        long[][] exclude = new long[nq][];
        for (int i = 0; i < nq; i++) {
            allow[i] = filters[i].allowWords();
            exclude[i] = filters[i].excludeWords();
        }
        int grouped = nq & ~3;
        float[] tmp = new float[L];
        long[] masks = new long[16];
        for (int c = 0; c < tiles; c += chunkTiles) {
            int ce = Math.min(tiles, c + chunkTiles);
            for (int g = 0; g < grouped; g += 4) {
                if (f32 != null) {
                    tileF32(queries, allow, exclude, g, c, ce, outs, masks, tmp);
                } else {
                    tileI8(queries, allow, exclude, g, c, ce, outs, masks, tmp);
                }
            }
            for (int i = grouped; i < nq; i++) {
                if (f32 != null) {
                    scanF32(queries[i], allow[i], exclude[i], c, ce, outs[i]);
                } else {
                    scanI8(queries[i], allow[i], exclude[i], c, ce, outs[i]);
                }
            }
        }
    }

    /**
     * Returns whether queries g..g+3 have no filter; if so, fills {@code masks} with every lane,
     * the masks of each tile before {@link #fullTiles}, which then need no computing.
     */
    private static boolean unfiltered(long[][] allow, long[][] exclude, int g, long[] masks) {
        for (int qi = g; qi < g + 4; qi++) {
            if (allow[qi] != null || exclude[qi] != null) {
                return false;
            }
        }
        java.util.Arrays.fill(masks, FULL);
        return true;
    }

    /**
     * Fills masks[4 * qi + bi] for queries g..g+3 and the blocks of tile t; returns their union.
     */
    private long tileMasks(long[][] allow, long[][] exclude, int g, int t, long[] masks) {
        long any = 0;
        for (int qi = 0; qi < 4; qi++) {
            for (int bi = 0; bi < 4; bi++) {
                long m = lanes(allow[g + qi], exclude[g + qi], 4 * t + bi);
                masks[4 * qi + bi] = m;
                any |= m;
            }
        }
        return any;
    }

    private void tileF32(
            float[][] queries,
            long[][] allow,
            long[][] exclude,
            int g,
            int t0,
            int t1,
            TopKCollector[] outs,
            long[] masks,
            float[] tmp) {
        final float[] x = f32;
        final int d = this.d;
        final float[] q0 = queries[g];
        final float[] q1 = queries[g + 1];
        final float[] q2 = queries[g + 2];
        final float[] q3 = queries[g + 3];
        final TopKCollector r0 = outs[g];
        final TopKCollector r1 = outs[g + 1];
        final TopKCollector r2 = outs[g + 2];
        final TopKCollector r3 = outs[g + 3];
        // Read again only after an offer, the one thing that raises them.
        float th0 = r0.threshold();
        float th1 = r1.threshold();
        float th2 = r2.threshold();
        float th3 = r3.threshold();
        boolean plain = unfiltered(allow, exclude, g, masks);
        for (int t = t0; t < t1; t++) {
            if ((!plain || t >= fullTiles) && tileMasks(allow, exclude, g, t, masks) == 0) {
                continue;
            }
            FloatVector z = FloatVector.zero(F);
            FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
            FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
            FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
            for (int j = 0, p = t * tileStride; j < d; j++, p += T) {
                FloatVector x0 = FloatVector.fromArray(F, x, p);
                FloatVector x1 = FloatVector.fromArray(F, x, p + L);
                FloatVector x2 = FloatVector.fromArray(F, x, p + 2 * L);
                FloatVector x3 = FloatVector.fromArray(F, x, p + 3 * L);
                FloatVector v = FloatVector.broadcast(F, q0[j]);
                a00 = x0.fma(v, a00);
                a01 = x1.fma(v, a01);
                a02 = x2.fma(v, a02);
                a03 = x3.fma(v, a03);
                v = FloatVector.broadcast(F, q1[j]);
                a10 = x0.fma(v, a10);
                a11 = x1.fma(v, a11);
                a12 = x2.fma(v, a12);
                a13 = x3.fma(v, a13);
                v = FloatVector.broadcast(F, q2[j]);
                a20 = x0.fma(v, a20);
                a21 = x1.fma(v, a21);
                a22 = x2.fma(v, a22);
                a23 = x3.fma(v, a23);
                v = FloatVector.broadcast(F, q3[j]);
                a30 = x0.fma(v, a30);
                a31 = x1.fma(v, a31);
                a32 = x2.fma(v, a32);
                a33 = x3.fma(v, a33);
            }
            int base = t * T;
            FloatVector c0 = FloatVector.fromArray(F, bias, base);
            FloatVector c1 = FloatVector.fromArray(F, bias, base + 1 * L);
            FloatVector c2 = FloatVector.fromArray(F, bias, base + 2 * L);
            FloatVector c3 = FloatVector.fromArray(F, bias, base + 3 * L);
            FloatVector s;
            s = a00.add(c0);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[0], base, r0);
                th0 = r0.threshold();
            }
            s = a01.add(c1);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[1], base + 1 * L, r0);
                th0 = r0.threshold();
            }
            s = a02.add(c2);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[2], base + 2 * L, r0);
                th0 = r0.threshold();
            }
            s = a03.add(c3);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[3], base + 3 * L, r0);
                th0 = r0.threshold();
            }
            s = a10.add(c0);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[4], base, r1);
                th1 = r1.threshold();
            }
            s = a11.add(c1);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[5], base + 1 * L, r1);
                th1 = r1.threshold();
            }
            s = a12.add(c2);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[6], base + 2 * L, r1);
                th1 = r1.threshold();
            }
            s = a13.add(c3);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[7], base + 3 * L, r1);
                th1 = r1.threshold();
            }
            s = a20.add(c0);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[8], base, r2);
                th2 = r2.threshold();
            }
            s = a21.add(c1);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[9], base + 1 * L, r2);
                th2 = r2.threshold();
            }
            s = a22.add(c2);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[10], base + 2 * L, r2);
                th2 = r2.threshold();
            }
            s = a23.add(c3);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[11], base + 3 * L, r2);
                th2 = r2.threshold();
            }
            s = a30.add(c0);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[12], base, r3);
                th3 = r3.threshold();
            }
            s = a31.add(c1);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[13], base + 1 * L, r3);
                th3 = r3.threshold();
            }
            s = a32.add(c2);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[14], base + 2 * L, r3);
                th3 = r3.threshold();
            }
            s = a33.add(c3);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[15], base + 3 * L, r3);
                th3 = r3.threshold();
            }
        }
    }

    private void tileI8(
            float[][] queries,
            long[][] allow,
            long[][] exclude,
            int g,
            int t0,
            int t1,
            TopKCollector[] outs,
            long[] masks,
            float[] tmp) {
        final byte[] x = i8;
        final int d = this.d;
        final float[] q0 = queries[g];
        final float[] q1 = queries[g + 1];
        final float[] q2 = queries[g + 2];
        final float[] q3 = queries[g + 3];
        final TopKCollector r0 = outs[g];
        final TopKCollector r1 = outs[g + 1];
        final TopKCollector r2 = outs[g + 2];
        final TopKCollector r3 = outs[g + 3];
        // Read again only after an offer, the one thing that raises them.
        float th0 = r0.threshold();
        float th1 = r1.threshold();
        float th2 = r2.threshold();
        float th3 = r3.threshold();
        boolean plain = unfiltered(allow, exclude, g, masks);
        for (int t = t0; t < t1; t++) {
            if ((!plain || t >= fullTiles) && tileMasks(allow, exclude, g, t, masks) == 0) {
                continue;
            }
            FloatVector z = FloatVector.zero(F);
            FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
            FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
            FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
            for (int j = 0, p = t * tileStride; j < d; j++, p += T) {
                FloatVector x0 = (FloatVector) ByteVector.fromArray(B, x, p).castShape(F, 0);
                FloatVector x1 = (FloatVector) ByteVector.fromArray(B, x, p + L).castShape(F, 0);
                FloatVector x2 =
                        (FloatVector) ByteVector.fromArray(B, x, p + 2 * L).castShape(F, 0);
                FloatVector x3 =
                        (FloatVector) ByteVector.fromArray(B, x, p + 3 * L).castShape(F, 0);
                FloatVector v = FloatVector.broadcast(F, q0[j]);
                a00 = x0.fma(v, a00);
                a01 = x1.fma(v, a01);
                a02 = x2.fma(v, a02);
                a03 = x3.fma(v, a03);
                v = FloatVector.broadcast(F, q1[j]);
                a10 = x0.fma(v, a10);
                a11 = x1.fma(v, a11);
                a12 = x2.fma(v, a12);
                a13 = x3.fma(v, a13);
                v = FloatVector.broadcast(F, q2[j]);
                a20 = x0.fma(v, a20);
                a21 = x1.fma(v, a21);
                a22 = x2.fma(v, a22);
                a23 = x3.fma(v, a23);
                v = FloatVector.broadcast(F, q3[j]);
                a30 = x0.fma(v, a30);
                a31 = x1.fma(v, a31);
                a32 = x2.fma(v, a32);
                a33 = x3.fma(v, a33);
            }
            int base = t * T;
            FloatVector s0 = FloatVector.fromArray(F, scale, base);
            FloatVector c0 = FloatVector.fromArray(F, bias, base);
            FloatVector s1 = FloatVector.fromArray(F, scale, base + 1 * L);
            FloatVector c1 = FloatVector.fromArray(F, bias, base + 1 * L);
            FloatVector s2 = FloatVector.fromArray(F, scale, base + 2 * L);
            FloatVector c2 = FloatVector.fromArray(F, bias, base + 2 * L);
            FloatVector s3 = FloatVector.fromArray(F, scale, base + 3 * L);
            FloatVector c3 = FloatVector.fromArray(F, bias, base + 3 * L);
            FloatVector s;
            s = a00.mul(s0).add(c0);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[0], base, r0);
                th0 = r0.threshold();
            }
            s = a01.mul(s1).add(c1);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[1], base + 1 * L, r0);
                th0 = r0.threshold();
            }
            s = a02.mul(s2).add(c2);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[2], base + 2 * L, r0);
                th0 = r0.threshold();
            }
            s = a03.mul(s3).add(c3);
            if (s.compare(VectorOperators.GE, th0).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[3], base + 3 * L, r0);
                th0 = r0.threshold();
            }
            s = a10.mul(s0).add(c0);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[4], base, r1);
                th1 = r1.threshold();
            }
            s = a11.mul(s1).add(c1);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[5], base + 1 * L, r1);
                th1 = r1.threshold();
            }
            s = a12.mul(s2).add(c2);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[6], base + 2 * L, r1);
                th1 = r1.threshold();
            }
            s = a13.mul(s3).add(c3);
            if (s.compare(VectorOperators.GE, th1).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[7], base + 3 * L, r1);
                th1 = r1.threshold();
            }
            s = a20.mul(s0).add(c0);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[8], base, r2);
                th2 = r2.threshold();
            }
            s = a21.mul(s1).add(c1);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[9], base + 1 * L, r2);
                th2 = r2.threshold();
            }
            s = a22.mul(s2).add(c2);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[10], base + 2 * L, r2);
                th2 = r2.threshold();
            }
            s = a23.mul(s3).add(c3);
            if (s.compare(VectorOperators.GE, th2).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[11], base + 3 * L, r2);
                th2 = r2.threshold();
            }
            s = a30.mul(s0).add(c0);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[12], base, r3);
                th3 = r3.threshold();
            }
            s = a31.mul(s1).add(c1);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[13], base + 1 * L, r3);
                th3 = r3.threshold();
            }
            s = a32.mul(s2).add(c2);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[14], base + 2 * L, r3);
                th3 = r3.threshold();
            }
            s = a33.mul(s3).add(c3);
            if (s.compare(VectorOperators.GE, th3).anyTrue()) {
                s.intoArray(tmp, 0);
                offerLanes(tmp, masks[15], base + 3 * L, r3);
                th3 = r3.threshold();
            }
        }
    }

    @Override
    public void searchCandidates(
            float[] query, int[] candidates, Filter filter, TopKCollector out) {
        // Candidates are ascending: score each block that holds some, masked to those lanes.
        long[] allow = filter.allowWords();
        long[] exclude = filter.excludeWords();
        Int8.Query q8 = i8 != null && quantizeQueries ? new Int8.Query(query) : null;
        float[] tmp = new float[L];
        int i = 0;
        while (i < candidates.length) {
            int block = candidates[i] / L;
            long m = 0;
            while (i < candidates.length && candidates[i] / L == block) {
                m |= 1L << (candidates[i] - block * L);
                i++;
            }
            long wanted = Filter.laneMask(allow, exclude, block * L, m);
            if (wanted == 0) {
                continue;
            }
            if (f32 != null) {
                scanF32Masked(query, block, wanted, out, tmp);
            } else if (q8 != null) {
                // Per-item path: candidate lists are short and this keeps one code path exact.
                long bits = wanted;
                while (bits != 0) {
                    int item = block * L + Long.numberOfTrailingZeros(bits);
                    out.offer(item, scoreInt(q8, item));
                    bits &= bits - 1;
                }
            } else {
                scanI8Masked(query, block, wanted, out, tmp);
            }
        }
    }

    /** Returns the position of dimension 0 of the first item of {@code block}. */
    private int blockOffset(int block) {
        return (block >> 2) * tileStride + (block & 3) * L;
    }

    private void scanF32Masked(float[] q, int block, long lanes, TopKCollector out, float[] tmp) {
        FloatVector a = FloatVector.zero(F);
        for (int j = 0, p = blockOffset(block); j < d; j++, p += T) {
            a = FloatVector.fromArray(F, f32, p).fma(FloatVector.broadcast(F, q[j]), a);
        }
        int base = block * L;
        a.add(FloatVector.fromArray(F, bias, base)).intoArray(tmp, 0);
        offerLanes(tmp, lanes, base, out);
    }

    private void scanI8Masked(float[] q, int block, long lanes, TopKCollector out, float[] tmp) {
        FloatVector a = FloatVector.zero(F);
        for (int j = 0, p = blockOffset(block); j < d; j++, p += T) {
            a =
                    ((FloatVector) ByteVector.fromArray(B, i8, p).castShape(F, 0))
                            .fma(FloatVector.broadcast(F, q[j]), a);
        }
        int base = block * L;
        a.mul(FloatVector.fromArray(F, scale, base))
                .add(FloatVector.fromArray(F, bias, base))
                .intoArray(tmp, 0);
        offerLanes(tmp, lanes, base, out);
    }

    @Override
    public float score(float[] query, int item) {
        int o = offset(item);
        if (f32 != null) {
            float acc = 0f;
            for (int j = 0; j < d; j++) {
                acc = Math.fma(query[j], f32[o + j * T], acc);
            }
            return acc + bias[item];
        }
        if (quantizeQueries) {
            return scoreInt(new Int8.Query(query), item);
        }
        float acc = 0f;
        for (int j = 0; j < d; j++) {
            acc = Math.fma(query[j], (float) i8[o + j * T], acc);
        }
        return acc * scale[item] + bias[item];
    }

    private float scoreInt(Int8.Query q, int item) {
        int o = offset(item);
        int acc = 0;
        for (int j = 0; j < d; j++) {
            acc += q.codes[j] * i8[o + j * T];
        }
        return (float) acc * (scale[item] * q.scale) + bias[item];
    }

    @Override
    public float[] vector(int item) {
        int o = offset(item);
        float[] v = new float[d];
        for (int j = 0; j < d; j++) {
            v[j] = f32 != null ? f32[o + j * T] : i8[o + j * T] * scale[item];
        }
        return v;
    }

    @Override
    public long memoryBytes() {
        long values = f32 != null ? 4L * f32.length : i8.length + 4L * scale.length;
        return values + 4L * bias.length;
    }

    @Override
    public void close() {}
}
