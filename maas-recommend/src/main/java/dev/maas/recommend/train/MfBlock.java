package dev.maas.recommend.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Matrix factorisation as a DJL block. Each bias is stored as one extra column of its embedding
 * table, so that one row lookup fetches a vector and its bias: on the CPU the backward pass of a
 * lookup costs about the same per row whatever the row width, so this halves the work.
 *
 * <p>Explicit form, inputs {@code (users[B], items[B])}: tables {@code users x (d+1)} and {@code
 * items x (d+1)} plus a global bias; outputs {@code (prediction, p_u, q_i, b_u, b_i)} where {@code
 * prediction = mu + b_u + b_i + p_u . q_i}; the other outputs feed the L2 term.
 *
 * <p>Pairwise form, inputs {@code (users[B], positives[B], negatives[B, n])}: tables {@code users x
 * d} and {@code items x (d+1)}; outputs {@code (x[B, n], p_u, q_pos, q_neg[B, n, d], b_pos,
 * b_neg[B, n])} where {@code x = (b_pos + p_u . q_pos) - (b_neg + p_u . q_neg)} is the BPR margin
 * of each positive over each of its negatives.
 */
final class MfBlock extends AbstractBlock {
    final boolean explicit;
    final int dim;
    final Parameter users; // [U, d+1] explicit, [U, d] pairwise
    final Parameter items; // [I, d+1]
    final Parameter global; // explicit only

    MfBlock(int numUsers, int numItems, int dim, boolean explicit) {
        this.explicit = explicit;
        this.dim = dim;
        users =
                addParameter(
                        Embeddings.parameter(
                                "users",
                                Parameter.Type.WEIGHT,
                                numUsers,
                                explicit ? dim + 1 : dim));
        items =
                addParameter(
                        Embeddings.parameter("items", Parameter.Type.WEIGHT, numItems, dim + 1));
        global =
                explicit
                        ? addParameter(Embeddings.parameter("global", Parameter.Type.BIAS, 1))
                        : null;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        Device device = inputs.head().getDevice();
        NDArray p = store.getValue(users, device, training);
        NDArray q = store.getValue(items, device, training);
        NDArray userRows = Embeddings.lookup(inputs.get(0), p);
        NDIndex vector = new NDIndex("..., :" + dim);
        NDIndex bias = new NDIndex("..., " + dim);
        if (explicit) {
            NDArray itemRows = Embeddings.lookup(inputs.get(1), q);
            NDArray pu = userRows.get(vector);
            NDArray qi = itemRows.get(vector);
            NDArray bu = userRows.get(bias);
            NDArray bi = itemRows.get(bias);
            NDArray mu = store.getValue(global, device, training);
            NDArray prediction = pu.mul(qi).sum(new int[] {1}).add(bu).add(bi).add(mu);
            return new NDList(prediction, pu, qi, bu, bi);
        }
        NDArray pos = Embeddings.lookup(inputs.get(1), q);
        NDArray neg = Embeddings.lookup(inputs.get(2), q);
        NDArray qp = pos.get(vector);
        NDArray qn = neg.get(vector);
        NDArray bp = pos.get(bias);
        NDArray bn = neg.get(bias);
        NDArray sp = userRows.mul(qp).sum(new int[] {1}).add(bp);
        NDArray sn = userRows.expandDims(1).mul(qn).sum(new int[] {2}).add(bn);
        NDArray x = sp.expandDims(1).sub(sn);
        return new NDList(x, userRows, qp, qn, bp, bn);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        Shape vector = new Shape(batch);
        Shape matrix = new Shape(batch, dim);
        if (explicit) {
            return new Shape[] {vector, matrix, matrix, vector, vector};
        }
        long n = inputShapes[2].get(1);
        return new Shape[] {
            new Shape(batch, n),
            matrix,
            matrix,
            new Shape(batch, n, dim),
            vector,
            new Shape(batch, n)
        };
    }
}
