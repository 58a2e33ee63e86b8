package dev.maas.engine.xgboost;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
import dev.maas.ModelCard;
import dev.maas.spi.LoadedModel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loaded tree model: its native boosters, and the DJL model whose predictors the batcher pools.
 * Thread-safe.
 */
final class TreeModel implements LoadedModel {
    private final ModelCard card;
    private final TreePredictor pool;
    private final TreeBlock block;
    private final TreeDjlModel djl;
    private final long sizeBytes;
    private final int features;
    private final int outputs;
    private final AtomicBoolean closed = new AtomicBoolean();

    TreeModel(
            ModelCard card,
            TreePredictor pool,
            TreeBlock block,
            long fileBytes,
            int features,
            int outputs) {
        this.card = card;
        this.pool = pool;
        this.block = block;
        this.djl = new TreeDjlModel(card.name(), block);
        // A booster in memory is a few times its file; counted for the store's weigher.
        this.sizeBytes = 4 * fileBytes;
        this.features = features;
        this.outputs = outputs;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Model djlModel() {
        return djl;
    }

    @Override
    public Predictor<NDList, NDList> newPredictor() {
        if (closed.get()) {
            throw new IllegalStateException("model " + card.ref() + " is closed");
        }
        return djl.newPredictor(new NoopTranslator(null));
    }

    /** Returns the number of features a row has. */
    int features() {
        return features;
    }

    /** Returns the number of outputs per row. */
    int outputs() {
        return outputs;
    }

    TreeBlock block() {
        return block;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                djl.close();
            } finally {
                pool.close();
            }
        }
    }
}
