package dev.maas.behaviour.next;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The next-item network as a DJL block, for training.
 *
 * <p>Input {@code (B, N)}: the last {@code N} items of each history as item index + 1, left-padded
 * with 0. Each position gets its item's embedding plus a learned positional embedding ({@code E}).
 * The most recent position asks the question: one head of scaled dot-product attention with query
 * {@code e_last Wq} over keys {@code E Wk} and values {@code E Wv} (padding masked out), added to
 * {@code e_last}; then a residual feed-forward layer {@code h + relu(h W1 + b1) W2 + b2}. The
 * scores of all items are {@code h} times the item embeddings (shared with the input) plus an item
 * bias. Output {@code (B, items + 1)}: logits, column 0 (padding) included.
 */
final class AttentionBlock extends AbstractBlock {
    final int items;
    final int window;
    final int dim;
    final int hidden;
    final Parameter itemEmb;
    final Parameter posEmb;
    final Parameter wq;
    final Parameter wk;
    final Parameter wv;
    final Parameter w1;
    final Parameter b1;
    final Parameter w2;
    final Parameter b2;
    final Parameter itemBias;

    AttentionBlock(int items, int window, int dim, int hidden) {
        this.items = items;
        this.window = window;
        this.dim = dim;
        this.hidden = hidden;
        itemEmb = addParameter(param("itemEmb", Parameter.Type.WEIGHT, items + 1, dim));
        posEmb = addParameter(param("posEmb", Parameter.Type.WEIGHT, window, dim));
        wq = addParameter(param("wq", Parameter.Type.WEIGHT, dim, dim));
        wk = addParameter(param("wk", Parameter.Type.WEIGHT, dim, dim));
        wv = addParameter(param("wv", Parameter.Type.WEIGHT, dim, dim));
        w1 = addParameter(param("w1", Parameter.Type.WEIGHT, dim, hidden));
        b1 = addParameter(param("b1", Parameter.Type.BIAS, hidden));
        w2 = addParameter(param("w2", Parameter.Type.WEIGHT, hidden, dim));
        b2 = addParameter(param("b2", Parameter.Type.BIAS, dim));
        itemBias = addParameter(param("itemBias", Parameter.Type.BIAS, items + 1));
    }

    private static Parameter param(String name, Parameter.Type type, long... shape) {
        return Parameter.builder().setName(name).setType(type).optShape(new Shape(shape)).build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray seq = inputs.get(0); // (B, N) int64
        Device d = seq.getDevice();
        long batch = seq.getShape().get(0);
        NDArray table = store.getValue(itemEmb, d, training);
        NDArray flat = seq.reshape(batch * window);
        NDArray e =
                flat.getNDArrayInternal()
                        .embedding(flat, table, SparseFormat.DENSE)
                        .singletonOrThrow()
                        .reshape(batch, window, dim)
                        .add(store.getValue(posEmb, d, training)); // (B, N, d)
        NDArray last = e.get(":, -1, :"); // (B, d)
        NDArray q = last.matMul(store.getValue(wq, d, training)).expandDims(1); // (B, 1, d)
        NDArray k = e.matMul(store.getValue(wk, d, training)); // (B, N, d)
        NDArray v = e.matMul(store.getValue(wv, d, training));
        NDArray mask = seq.eq(0).toType(DataType.FLOAT32, false).mul(-1e9f).expandDims(1);
        NDArray att =
                q.matMul(k.transpose(0, 2, 1)).div((float) Math.sqrt(dim)).add(mask).softmax(-1);
        NDArray h = last.add(att.matMul(v).squeeze(1)); // (B, d)
        NDArray f =
                Activation.relu(
                                h.matMul(store.getValue(w1, d, training))
                                        .add(store.getValue(b1, d, training)))
                        .matMul(store.getValue(w2, d, training))
                        .add(store.getValue(b2, d, training));
        h = h.add(f);
        NDArray logits = h.matMul(table.transpose()).add(store.getValue(itemBias, d, training));
        return new NDList(logits);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), items + 1)};
    }
}
