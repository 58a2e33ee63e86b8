package dev.maas.spi;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import dev.maas.ModelCard;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link LoadedModel} backed by a DJL {@link ZooModel} of {@code NDList -> NDList}; what the
 * DJL-based backends return. Thread-safe.
 */
public final class DjlLoadedModel implements LoadedModel {
    private final ModelCard card;
    private final ZooModel<NDList, NDList> model;
    private final long sizeBytes;
    private final Runnable onClose;
    private final Translator<NDList, NDList> translator;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Wraps a loaded DJL model.
     *
     * @param card the card it was loaded from
     * @param model the model, owned from now on
     * @param sizeBytes the weight used by the model store
     * @param onClose run once after the model is closed (for backends that hold extra resources)
     */
    public DjlLoadedModel(
            ModelCard card, ZooModel<NDList, NDList> model, long sizeBytes, Runnable onClose) {
        this(card, model, sizeBytes, onClose, null);
    }

    /**
     * Wraps a loaded DJL model whose predictors use {@code translator}.
     *
     * @param card the card it was loaded from
     * @param model the model, owned from now on
     * @param sizeBytes the weight used by the model store
     * @param onClose run once after the model is closed (for backends that hold extra resources)
     * @param translator an {@code NDList -> NDList} translator without batchifier, shared by all
     *     predictors (so it must be thread-safe); {@code null} for the model's own
     */
    public DjlLoadedModel(
            ModelCard card,
            ZooModel<NDList, NDList> model,
            long sizeBytes,
            Runnable onClose,
            Translator<NDList, NDList> translator) {
        this.card = Objects.requireNonNull(card, "card");
        this.model = Objects.requireNonNull(model, "model");
        this.sizeBytes = sizeBytes;
        this.onClose = onClose == null ? () -> {} : onClose;
        this.translator = translator;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Model djlModel() {
        return model;
    }

    @Override
    public Predictor<NDList, NDList> newPredictor() {
        if (closed.get()) {
            throw new IllegalStateException("model " + card.ref() + " is closed");
        }
        return translator == null ? model.newPredictor() : model.newPredictor(translator);
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                model.close();
            } finally {
                onClose.run();
            }
        }
    }
}
