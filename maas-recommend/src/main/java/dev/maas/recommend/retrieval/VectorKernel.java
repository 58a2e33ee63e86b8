package dev.maas.recommend.retrieval;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scoring loops written with the Java Vector API.
 *
 * <p>Layout: items are grouped in blocks of {@code L} (the float lane count: 16 with AVX-512, 8
 * with AVX2), and inside a block the values are stored dimension-major, so that one vector load
 * holds dimension {@code j} of {@code L} items. A block's scores for one query are then {@code d}
 * fused multiply-adds of such loads with the broadcast query value, with no horizontal reductions,
 * and the top-K threshold test is one vector compare per block. Each item's score is a sequential
 * FMA chain over {@code j}, the same in the single, batched and per-item paths, so they agree to
 * the bit.
 *
 * <p>Single queries stream the matrix once and are bound by memory bandwidth; four blocks are
 * processed together so that four independent FMA chains overlap. Batches are tiled: a chunk of
 * blocks small enough to stay in the L2 cache is scored against four queries at a time (4 x 4
 * accumulators), which turns the loop from memory-bound into compute-bound.
 *
 * <p>Only load this class after {@link VectorSupport} has confirmed that the {@code
 * jdk.incubator.vector} module is present; it cannot link without it.
 */
final class VectorKernel implements TopKKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final long FULL = L >= 64 ? -1L : (1L << L) - 1;

    /** Bytes of item data per batched chunk: fits the L2 cache with room for the queries. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private final int n;
    private final int d;
    private final int blocks;

    /** Values per block: {@code d * L}. */
    private final int stride;

    /** Lane mask of the last block, which may be partly padding. */
    private final long lastFull;

    private final float[] f32;
    private final byte[] i8;

    /** Per-item scales padded to {@code blocks * L} (INT8), else null. */
    private final float[] scale;

    /** Per-item biases padded to {@code blocks * L}. */
    private final float[] bias;

    private final boolean quantizeQueries;
    private final int chunkBlocks;

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
        this.blocks = (n + L - 1) / L;
        this.stride = d * L;
        int tail = n - (blocks - 1) * L;
        this.lastFull = tail >= 64 ? -1L : (1L << tail) - 1;
        this.quantizeQueries = quantizeQueries;
        int padded = blocks * L;
        this.bias = new float[padded];
        System.arraycopy(bias, 0, this.bias, 0, n);
        if (precision == Precision.FLOAT32) {
            this.f32 = new float[blocks * stride];
            this.i8 = null;
            this.scale = null;
            for (int i = 0; i < n; i++) {
                int dst = (i / L) * stride + (i % L);
                int src = i * d;
                for (int j = 0; j < d; j++) {
                    f32[dst + j * L] = items[src + j];
                }
            }
        } else {
            this.f32 = null;
            this.i8 = new byte[blocks * stride];
            this.scale = new float[padded];
            for (int i = 0; i < n; i++) {
                int dst = (i / L) * stride + (i % L);
                int src = i * d;
                float s = Int8.scale(items, src, d);
                scale[i] = s;
                for (int j = 0; j < d; j++) {
                    i8[dst + j * L] = Int8.code(items[src + j], s);
                }
            }
        }
        int blockBytes = stride * (f32 != null ? 4 : 1);
        this.chunkBlocks = Math.max(4, (CHUNK_BYTES / blockBytes) & ~3);
    }

    @Override
    public Kernel kind() {
        return Kernel.VECTOR;
    }

    @Override
    public int alignment() {
        return 4 * L;
    }

    private long full(int block) {
        return block == blocks - 1 ? lastFull : FULL;
    }

    private long lanes(long[] allow, long[] exclude, int block) {
        return Filter.laneMask(allow, exclude, block * L, full(block));
    }

    @Override
    public void search(float[] query, Filter filter, int from, int to, TopKCollector out) {
        int b0 = from / L;
        int b1 = (to + L - 1) / L;
        long[] allow = filter.allowWords();
        long[] exclude = filter.excludeWords();
        if (f32 != null) {
            scanF32(query, allow, exclude, b0, b1, out);
        } else if (quantizeQueries) {
            scanI8Int(new Int8.Query(query), allow, exclude, b0, b1, out);
        } else {
            scanI8(query, allow, exclude, b0, b1, out);
        }
    }

    /**
     * Offers the lanes of {@code scores[off .. off + L - 1]} allowed by {@code lanes} if any
     * reaches the threshold: one vector compare per block in the common case.
     *
     * <p>No method in this class takes or returns a vector: when C2 does not inline such a call
     * (for instance because the callee was already compiled into a large method) it boxes the
     * vector, allocating on every block. Scores therefore go through a small scratch array.
     */
    private static void select(float[] scores, int off, long lanes, int base, TopKCollector out) {
        VectorMask<Float> hit =
                FloatVector.fromArray(F, scores, off)
                        .compare(VectorOperators.GE, out.threshold())
                        .and(VectorMask.fromLong(F, lanes));
        if (hit.anyTrue()) {
            offerLanes(scores, off, lanes, base, out);
        }
    }

    private static void offerLanes(
            float[] scores, int off, long lanes, int base, TopKCollector out) {
        while (lanes != 0) {
            int lane = Long.numberOfTrailingZeros(lanes);
            out.offer(base + lane, scores[off + lane]);
            lanes &= lanes - 1;
        }
    }

    private void scanF32(
            float[] q, long[] allow, long[] exclude, int b0, int b1, TopKCollector out) {
        final float[] x = f32;
        final int d = this.d;
        final int stride = this.stride;
        final float[] tmp = new float[L];
        int b = b0;
        for (; b + 4 <= b1; b += 4) {
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            int o0 = b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector qj = FloatVector.broadcast(F, q[j]);
                a0 = FloatVector.fromArray(F, x, o0 + p).fma(qj, a0);
                a1 = FloatVector.fromArray(F, x, o1 + p).fma(qj, a1);
                a2 = FloatVector.fromArray(F, x, o2 + p).fma(qj, a2);
                a3 = FloatVector.fromArray(F, x, o3 + p).fma(qj, a3);
            }
            int base = b * L;
            a0.add(FloatVector.fromArray(F, bias, base)).intoArray(tmp, 0);
            select(tmp, 0, m0, base, out);
            a1.add(FloatVector.fromArray(F, bias, base + L)).intoArray(tmp, 0);
            select(tmp, 0, m1, base + L, out);
            a2.add(FloatVector.fromArray(F, bias, base + 2 * L)).intoArray(tmp, 0);
            select(tmp, 0, m2, base + 2 * L, out);
            a3.add(FloatVector.fromArray(F, bias, base + 3 * L)).intoArray(tmp, 0);
            select(tmp, 0, m3, base + 3 * L, out);
        }
        for (; b < b1; b++) {
            long m = lanes(allow, exclude, b);
            if (m == 0) {
                continue;
            }
            int o = b * stride;
            FloatVector a = FloatVector.zero(F);
            for (int j = 0, p = 0; j < d; j++, p += L) {
                a = FloatVector.fromArray(F, x, o + p).fma(FloatVector.broadcast(F, q[j]), a);
            }
            int base = b * L;
            a.add(FloatVector.fromArray(F, bias, base)).intoArray(tmp, 0);
            select(tmp, 0, m, base, out);
        }
    }

    private void scanI8(
            float[] q, long[] allow, long[] exclude, int b0, int b1, TopKCollector out) {
        final byte[] x = i8;
        final int d = this.d;
        final int stride = this.stride;
        final float[] tmp = new float[L];
        int b = b0;
        for (; b + 4 <= b1; b += 4) {
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            int o0 = b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector qj = FloatVector.broadcast(F, q[j]);
                a0 = ((FloatVector) ByteVector.fromArray(B, x, o0 + p).castShape(F, 0)).fma(qj, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, x, o1 + p).castShape(F, 0)).fma(qj, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, x, o2 + p).castShape(F, 0)).fma(qj, a2);
                a3 = ((FloatVector) ByteVector.fromArray(B, x, o3 + p).castShape(F, 0)).fma(qj, a3);
            }
            int base = b * L;
            a0.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, m0, base, out);
            a1.mul(FloatVector.fromArray(F, scale, base + L))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m1, base + L, out);
            a2.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m2, base + 2 * L, out);
            a3.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m3, base + 3 * L, out);
        }
        for (; b < b1; b++) {
            long m = lanes(allow, exclude, b);
            if (m == 0) {
                continue;
            }
            int o = b * stride;
            FloatVector a = FloatVector.zero(F);
            for (int j = 0, p = 0; j < d; j++, p += L) {
                a =
                        ((FloatVector) ByteVector.fromArray(B, x, o + p).castShape(F, 0))
                                .fma(FloatVector.broadcast(F, q[j]), a);
            }
            int base = b * L;
            a.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, m, base, out);
        }
    }

    private void scanI8Int(
            Int8.Query q, long[] allow, long[] exclude, int b0, int b1, TopKCollector out) {
        final byte[] x = i8;
        final int[] qc = q.codes;
        final float qs = q.scale;
        final int d = this.d;
        final int stride = this.stride;
        final float[] tmp = new float[L];
        int b = b0;
        for (; b + 4 <= b1; b += 4) {
            long m0 = lanes(allow, exclude, b);
            long m1 = lanes(allow, exclude, b + 1);
            long m2 = lanes(allow, exclude, b + 2);
            long m3 = lanes(allow, exclude, b + 3);
            if ((m0 | m1 | m2 | m3) == 0) {
                continue;
            }
            int o0 = b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            IntVector a0 = IntVector.zero(I);
            IntVector a1 = a0;
            IntVector a2 = a0;
            IntVector a3 = a0;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                IntVector qj = IntVector.broadcast(I, qc[j]);
                a0 =
                        ((IntVector) ByteVector.fromArray(B, x, o0 + p).castShape(I, 0))
                                .mul(qj)
                                .add(a0);
                a1 =
                        ((IntVector) ByteVector.fromArray(B, x, o1 + p).castShape(I, 0))
                                .mul(qj)
                                .add(a1);
                a2 =
                        ((IntVector) ByteVector.fromArray(B, x, o2 + p).castShape(I, 0))
                                .mul(qj)
                                .add(a2);
                a3 =
                        ((IntVector) ByteVector.fromArray(B, x, o3 + p).castShape(I, 0))
                                .mul(qj)
                                .add(a3);
            }
            int base = b * L;
            ((FloatVector) a0.castShape(F, 0))
                    .mul(FloatVector.fromArray(F, scale, base).mul(qs))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, m0, base, out);
            ((FloatVector) a1.castShape(F, 0))
                    .mul(FloatVector.fromArray(F, scale, base + L).mul(qs))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m1, base + L, out);
            ((FloatVector) a2.castShape(F, 0))
                    .mul(FloatVector.fromArray(F, scale, base + 2 * L).mul(qs))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m2, base + 2 * L, out);
            ((FloatVector) a3.castShape(F, 0))
                    .mul(FloatVector.fromArray(F, scale, base + 3 * L).mul(qs))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, m3, base + 3 * L, out);
        }
        for (; b < b1; b++) {
            long m = lanes(allow, exclude, b);
            if (m == 0) {
                continue;
            }
            int o = b * stride;
            IntVector a = IntVector.zero(I);
            for (int j = 0, p = 0; j < d; j++, p += L) {
                a =
                        ((IntVector) ByteVector.fromArray(B, x, o + p).castShape(I, 0))
                                .mul(IntVector.broadcast(I, qc[j]))
                                .add(a);
            }
            int base = b * L;
            ((FloatVector) a.castShape(F, 0))
                    .mul(FloatVector.fromArray(F, scale, base).mul(qs))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, m, base, out);
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
        int tiled = nq & ~3;
        float[] tmp = new float[L];
        long[] masks = new long[16];
        for (int c = 0; c < blocks; c += chunkBlocks) {
            int ce = Math.min(blocks, c + chunkBlocks);
            for (int g = 0; g < tiled; g += 4) {
                if (f32 != null) {
                    tileF32(queries, allow, exclude, g, c, ce, outs, masks, tmp);
                } else {
                    tileI8(queries, allow, exclude, g, c, ce, outs, masks, tmp);
                }
            }
            for (int i = tiled; i < nq; i++) {
                if (f32 != null) {
                    scanF32(queries[i], allow[i], exclude[i], c, ce, outs[i]);
                } else {
                    scanI8(queries[i], allow[i], exclude[i], c, ce, outs[i]);
                }
            }
        }
    }

    /** Fills masks[4 * qi + bi] for queries g..g+3 and blocks b..b+3; returns their union. */
    private long tileMasks(long[][] allow, long[][] exclude, int g, int b, int nb, long[] masks) {
        long any = 0;
        for (int qi = 0; qi < 4; qi++) {
            for (int bi = 0; bi < 4; bi++) {
                long m = bi < nb ? lanes(allow[g + qi], exclude[g + qi], b + bi) : 0L;
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
            int c,
            int ce,
            TopKCollector[] outs,
            long[] masks,
            float[] tmp) {
        final float[] x = f32;
        final int d = this.d;
        final int stride = this.stride;
        final float[] q0 = queries[g];
        final float[] q1 = queries[g + 1];
        final float[] q2 = queries[g + 2];
        final float[] q3 = queries[g + 3];
        final TopKCollector r0 = outs[g];
        final TopKCollector r1 = outs[g + 1];
        final TopKCollector r2 = outs[g + 2];
        final TopKCollector r3 = outs[g + 3];
        int b = c;
        for (; b + 4 <= ce; b += 4) {
            if (tileMasks(allow, exclude, g, b, 4, masks) == 0) {
                continue;
            }
            int o0 = b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            FloatVector z = FloatVector.zero(F);
            FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
            FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
            FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector x0 = FloatVector.fromArray(F, x, o0 + p);
                FloatVector x1 = FloatVector.fromArray(F, x, o1 + p);
                FloatVector x2 = FloatVector.fromArray(F, x, o2 + p);
                FloatVector x3 = FloatVector.fromArray(F, x, o3 + p);
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
            int base = b * L;
            FloatVector c0 = FloatVector.fromArray(F, bias, base);
            FloatVector c1 = FloatVector.fromArray(F, bias, base + L);
            FloatVector c2 = FloatVector.fromArray(F, bias, base + 2 * L);
            FloatVector c3 = FloatVector.fromArray(F, bias, base + 3 * L);
            a00.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[0], base, r0);
            a01.add(c1).intoArray(tmp, 0);
            select(tmp, 0, masks[1], base + L, r0);
            a02.add(c2).intoArray(tmp, 0);
            select(tmp, 0, masks[2], base + 2 * L, r0);
            a03.add(c3).intoArray(tmp, 0);
            select(tmp, 0, masks[3], base + 3 * L, r0);
            a10.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[4], base, r1);
            a11.add(c1).intoArray(tmp, 0);
            select(tmp, 0, masks[5], base + L, r1);
            a12.add(c2).intoArray(tmp, 0);
            select(tmp, 0, masks[6], base + 2 * L, r1);
            a13.add(c3).intoArray(tmp, 0);
            select(tmp, 0, masks[7], base + 3 * L, r1);
            a20.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[8], base, r2);
            a21.add(c1).intoArray(tmp, 0);
            select(tmp, 0, masks[9], base + L, r2);
            a22.add(c2).intoArray(tmp, 0);
            select(tmp, 0, masks[10], base + 2 * L, r2);
            a23.add(c3).intoArray(tmp, 0);
            select(tmp, 0, masks[11], base + 3 * L, r2);
            a30.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[12], base, r3);
            a31.add(c1).intoArray(tmp, 0);
            select(tmp, 0, masks[13], base + L, r3);
            a32.add(c2).intoArray(tmp, 0);
            select(tmp, 0, masks[14], base + 2 * L, r3);
            a33.add(c3).intoArray(tmp, 0);
            select(tmp, 0, masks[15], base + 3 * L, r3);
        }
        for (; b < ce; b++) {
            if (tileMasks(allow, exclude, g, b, 1, masks) == 0) {
                continue;
            }
            int o = b * stride;
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector xv = FloatVector.fromArray(F, x, o + p);
                a0 = xv.fma(FloatVector.broadcast(F, q0[j]), a0);
                a1 = xv.fma(FloatVector.broadcast(F, q1[j]), a1);
                a2 = xv.fma(FloatVector.broadcast(F, q2[j]), a2);
                a3 = xv.fma(FloatVector.broadcast(F, q3[j]), a3);
            }
            int base = b * L;
            FloatVector c0 = FloatVector.fromArray(F, bias, base);
            a0.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[0], base, r0);
            a1.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[4], base, r1);
            a2.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[8], base, r2);
            a3.add(c0).intoArray(tmp, 0);
            select(tmp, 0, masks[12], base, r3);
        }
    }

    private void tileI8(
            float[][] queries,
            long[][] allow,
            long[][] exclude,
            int g,
            int c,
            int ce,
            TopKCollector[] outs,
            long[] masks,
            float[] tmp) {
        final byte[] x = i8;
        final int d = this.d;
        final int stride = this.stride;
        final float[] q0 = queries[g];
        final float[] q1 = queries[g + 1];
        final float[] q2 = queries[g + 2];
        final float[] q3 = queries[g + 3];
        final TopKCollector r0 = outs[g];
        final TopKCollector r1 = outs[g + 1];
        final TopKCollector r2 = outs[g + 2];
        final TopKCollector r3 = outs[g + 3];
        int b = c;
        for (; b + 4 <= ce; b += 4) {
            if (tileMasks(allow, exclude, g, b, 4, masks) == 0) {
                continue;
            }
            int o0 = b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            FloatVector z = FloatVector.zero(F);
            FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
            FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
            FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector x0 = ((FloatVector) ByteVector.fromArray(B, x, o0 + p).castShape(F, 0));
                FloatVector x1 = ((FloatVector) ByteVector.fromArray(B, x, o1 + p).castShape(F, 0));
                FloatVector x2 = ((FloatVector) ByteVector.fromArray(B, x, o2 + p).castShape(F, 0));
                FloatVector x3 = ((FloatVector) ByteVector.fromArray(B, x, o3 + p).castShape(F, 0));
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
            int base = b * L;
            a00.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[0], base, r0);
            a01.mul(FloatVector.fromArray(F, scale, base + L))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[1], base + L, r0);
            a02.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[2], base + 2 * L, r0);
            a03.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[3], base + 3 * L, r0);
            a10.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[4], base, r1);
            a11.mul(FloatVector.fromArray(F, scale, base + L))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[5], base + L, r1);
            a12.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[6], base + 2 * L, r1);
            a13.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[7], base + 3 * L, r1);
            a20.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[8], base, r2);
            a21.mul(FloatVector.fromArray(F, scale, base + L))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[9], base + L, r2);
            a22.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[10], base + 2 * L, r2);
            a23.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[11], base + 3 * L, r2);
            a30.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[12], base, r3);
            a31.mul(FloatVector.fromArray(F, scale, base + L))
                    .add(FloatVector.fromArray(F, bias, base + L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[13], base + L, r3);
            a32.mul(FloatVector.fromArray(F, scale, base + 2 * L))
                    .add(FloatVector.fromArray(F, bias, base + 2 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[14], base + 2 * L, r3);
            a33.mul(FloatVector.fromArray(F, scale, base + 3 * L))
                    .add(FloatVector.fromArray(F, bias, base + 3 * L))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[15], base + 3 * L, r3);
        }
        for (; b < ce; b++) {
            if (tileMasks(allow, exclude, g, b, 1, masks) == 0) {
                continue;
            }
            int o = b * stride;
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
            for (int j = 0, p = 0; j < d; j++, p += L) {
                FloatVector xv = ((FloatVector) ByteVector.fromArray(B, x, o + p).castShape(F, 0));
                a0 = xv.fma(FloatVector.broadcast(F, q0[j]), a0);
                a1 = xv.fma(FloatVector.broadcast(F, q1[j]), a1);
                a2 = xv.fma(FloatVector.broadcast(F, q2[j]), a2);
                a3 = xv.fma(FloatVector.broadcast(F, q3[j]), a3);
            }
            int base = b * L;
            a0.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[0], base, r0);
            a1.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[4], base, r1);
            a2.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[8], base, r2);
            a3.mul(FloatVector.fromArray(F, scale, base))
                    .add(FloatVector.fromArray(F, bias, base))
                    .intoArray(tmp, 0);
            select(tmp, 0, masks[12], base, r3);
        }
    }

    @Override
    public void searchCandidates(
            float[] query, int[] candidates, Filter filter, TopKCollector out) {
        // Candidates are ascending: score each block that holds some, masked to those lanes.
        long[] allow = filter.allowWords();
        long[] exclude = filter.excludeWords();
        Int8.Query q8 = i8 != null && quantizeQueries ? new Int8.Query(query) : null;
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
                scanF32Masked(query, block, wanted, out);
            } else if (q8 != null) {
                // Per-item path: candidate lists are short and this keeps one code path exact.
                long bits = wanted;
                while (bits != 0) {
                    int item = block * L + Long.numberOfTrailingZeros(bits);
                    out.offer(item, scoreInt(q8, item));
                    bits &= bits - 1;
                }
            } else {
                scanI8Masked(query, block, wanted, out);
            }
        }
    }

    private void scanF32Masked(float[] q, int block, long lanes, TopKCollector out) {
        int o = block * stride;
        FloatVector a = FloatVector.zero(F);
        for (int j = 0, p = 0; j < d; j++, p += L) {
            a = FloatVector.fromArray(F, f32, o + p).fma(FloatVector.broadcast(F, q[j]), a);
        }
        int base = block * L;
        float[] tmp = new float[L];
        a.add(FloatVector.fromArray(F, bias, base)).intoArray(tmp, 0);
        offerLanes(tmp, 0, lanes, base, out);
    }

    private void scanI8Masked(float[] q, int block, long lanes, TopKCollector out) {
        int o = block * stride;
        FloatVector a = FloatVector.zero(F);
        for (int j = 0, p = 0; j < d; j++, p += L) {
            a =
                    ((FloatVector) ByteVector.fromArray(B, i8, o + p).castShape(F, 0))
                            .fma(FloatVector.broadcast(F, q[j]), a);
        }
        int base = block * L;
        float[] tmp = new float[L];
        a.mul(FloatVector.fromArray(F, scale, base))
                .add(FloatVector.fromArray(F, bias, base))
                .intoArray(tmp, 0);
        offerLanes(tmp, 0, lanes, base, out);
    }

    @Override
    public float score(float[] query, int item) {
        int o = (item / L) * stride + (item % L);
        if (f32 != null) {
            float acc = 0f;
            for (int j = 0; j < d; j++) {
                acc = Math.fma(query[j], f32[o + j * L], acc);
            }
            return acc + bias[item];
        }
        if (quantizeQueries) {
            return scoreInt(new Int8.Query(query), item);
        }
        float acc = 0f;
        for (int j = 0; j < d; j++) {
            acc = Math.fma(query[j], (float) i8[o + j * L], acc);
        }
        return acc * scale[item] + bias[item];
    }

    private float scoreInt(Int8.Query q, int item) {
        int o = (item / L) * stride + (item % L);
        int acc = 0;
        for (int j = 0; j < d; j++) {
            acc += q.codes[j] * i8[o + j * L];
        }
        return (float) acc * (scale[item] * q.scale) + bias[item];
    }

    @Override
    public float[] vector(int item) {
        int o = (item / L) * stride + (item % L);
        float[] v = new float[d];
        for (int j = 0; j < d; j++) {
            v[j] = f32 != null ? f32[o + j * L] : i8[o + j * L] * scale[item];
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
