package dev.maas.recommend.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The two-tower network as a DJL block.
 *
 * <p>User tower: {@code u = relu(e_u W1u + b1u) W2u + b2u}. Item tower: {@code v = relu([e_i ; g_i]
 * W1i + b1i) W2i}, where {@code g_i} is the mean of the embeddings of the item's genres (a fixed
 * item-by-genre matrix, rows normalised, times a trained genre table). The score is {@code u . v};
 * the user tower's output bias lets the model express popularity as a direction shared by all
 * users.
 *
 * <p>Trained with a sampled softmax over negatives shared by the batch: inputs {@code (users[B],
 * positives[B], negatives[M], mask[B, M])}, outputs {@code (logits[B, 1 + M], e_u, e_pos,
 * e_neg[M])}, where column 0 of the logits is each user's score of their positive and the other
 * columns their scores of the shared negatives plus the mask (a large negative number where a
 * "negative" is in fact one of the user's items). Running the item tower once per shared negative
 * instead of once per pair is what makes the tower affordable on a CPU.
 */
final class TwoTowerBlock extends AbstractBlock {
    final int embedding;
    final int hidden;
    final int dim;
    final int genres;
    final Parameter userEmb;
    final Parameter itemEmb;
    final Parameter genreEmb; // null without genres
    final Parameter itemGenres; // fixed; null without genres
    final Parameter userW1;
    final Parameter userB1;
    final Parameter userW2;
    final Parameter userB2;
    final Parameter itemW1;
    final Parameter itemB1;
    final Parameter itemW2;

    TwoTowerBlock(int users, int items, int genres, int embedding, int hidden, int dim) {
        this.embedding = embedding;
        this.hidden = hidden;
        this.dim = dim;
        this.genres = genres;
        Parameter.Type w = Parameter.Type.WEIGHT;
        Parameter.Type b = Parameter.Type.BIAS;
        userEmb = addParameter(Embeddings.parameter("userEmb", w, users, embedding));
        itemEmb = addParameter(Embeddings.parameter("itemEmb", w, items, embedding));
        if (genres > 0) {
            genreEmb = addParameter(Embeddings.parameter("genreEmb", w, genres, embedding));
            itemGenres = addParameter(Embeddings.constant("itemGenres", items, genres));
        } else {
            genreEmb = null;
            itemGenres = null;
        }
        int itemIn = genres > 0 ? 2 * embedding : embedding;
        userW1 = addParameter(Embeddings.parameter("userW1", w, embedding, hidden));
        userB1 = addParameter(Embeddings.parameter("userB1", b, hidden));
        userW2 = addParameter(Embeddings.parameter("userW2", w, hidden, dim));
        userB2 = addParameter(Embeddings.parameter("userB2", b, dim));
        itemW1 = addParameter(Embeddings.parameter("itemW1", w, itemIn, hidden));
        itemB1 = addParameter(Embeddings.parameter("itemB1", b, hidden));
        itemW2 = addParameter(Embeddings.parameter("itemW2", w, hidden, dim));
    }

    int itemInput() {
        return genres > 0 ? 2 * embedding : embedding;
    }

    /** Returns {@code (tower output, embedding rows)} for the given users. */
    NDList userTower(ParameterStore store, NDArray users, boolean training) {
        Device d = users.getDevice();
        NDArray e = Embeddings.lookup(users, store.getValue(userEmb, d, training));
        NDArray h =
                Activation.relu(
                        e.matMul(store.getValue(userW1, d, training))
                                .add(store.getValue(userB1, d, training)));
        NDArray out =
                h.matMul(store.getValue(userW2, d, training))
                        .add(store.getValue(userB2, d, training));
        return new NDList(out, e);
    }

    /** Returns {@code (tower output, embedding rows)} for the given items. */
    NDList itemTower(ParameterStore store, NDArray items, boolean training) {
        Device d = items.getDevice();
        NDArray e = Embeddings.lookup(items, store.getValue(itemEmb, d, training));
        NDArray in = e;
        if (genres > 0) {
            NDArray mix = Embeddings.lookup(items, store.getValue(itemGenres, d, training));
            NDArray g = mix.matMul(store.getValue(genreEmb, d, training));
            in = NDArrays.concat(new NDList(e, g), 1);
        }
        NDArray h =
                Activation.relu(
                        in.matMul(store.getValue(itemW1, d, training))
                                .add(store.getValue(itemB1, d, training)));
        NDArray out = h.matMul(store.getValue(itemW2, d, training));
        return new NDList(out, e);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList user = userTower(store, inputs.get(0), training);
        NDList pos = itemTower(store, inputs.get(1), training);
        NDList neg = itemTower(store, inputs.get(2), training);
        NDArray u = user.get(0);
        NDArray positive = u.mul(pos.get(0)).sum(new int[] {1}).expandDims(1);
        NDArray negative = u.matMul(neg.get(0).transpose()).add(inputs.get(3));
        NDArray logits = NDArrays.concat(new NDList(positive, negative), 1);
        return new NDList(logits, user.get(1), pos.get(1), neg.get(1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        long shared = inputShapes[2].get(0);
        Shape e = new Shape(batch, embedding);
        return new Shape[] {new Shape(batch, 1 + shared), e, e, new Shape(shared, embedding)};
    }
}
