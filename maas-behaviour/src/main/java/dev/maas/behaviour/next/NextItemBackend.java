package dev.maas.behaviour.next;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
import dev.maas.EngineOptions;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads published next-item models (format {@value #FORMAT}, file {@value #FILE}) into the model
 * store, so they are cached, shared, aliased, evicted and served through endpoints (batched,
 * measured) like any model. An endpoint takes one int32 {@code (rows, window)} array of item
 * indices, each row a history's latest items oldest first, left-padded with -1, and returns float32
 * {@code (rows, items)} scores. Registered through {@code
 * META-INF/services/dev.maas.spi.EngineBackend}; users open a {@link NextItemRecommender}, which
 * encodes histories and decodes titles. Loading reads one plain file; no native engine. Stateless
 * and thread-safe.
 */
public final class NextItemBackend implements EngineBackend {
    /** The engine name in the cards of next-item models. */
    public static final String ENGINE = "maas-next-item";

    /** The format of next-item models. */
    public static final String FORMAT = "next-item-attention";

    /** The model file in a version. */
    public static final String FILE = "next-item.bin";

    /** The Maven coordinates of this module, named in missing-backend messages. */
    public static final String ARTIFACT = "dev.maas:maas-behaviour";

    /** Creates the backend; called by {@link java.util.ServiceLoader}. */
    public NextItemBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(FORMAT);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return Files.isRegularFile(versionDir.resolve(FILE))
                ? Optional.of(FORMAT)
                : Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        NextItemModel model;
        try {
            model = NextItemModel.load(versionDir.resolve(FILE));
        } catch (IOException e) {
            throw new MalformedModelException(
                    "cannot load next-item model " + card.ref() + ": " + e.getMessage(), e);
        }
        return new Loaded(
                card, model, Files.exists(versionDir.resolve(FILE)) ? size(versionDir) : 0);
    }

    private static long size(Path dir) {
        try {
            return Files.size(dir.resolve(FILE));
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * A loaded next-item model: an endpoint's predictors run its {@link NextItemBlock}; {@link
     * NextItemRecommender} encodes histories and decodes titles around it.
     */
    static final class Loaded implements LoadedModel {
        private final ModelCard card;
        private final NextItemModel model;
        private final NextItemDjlModel djl;
        private final long bytes;
        private final AtomicBoolean closed = new AtomicBoolean();

        Loaded(ModelCard card, NextItemModel model, long bytes) {
            this.card = card;
            this.model = model;
            this.djl = new NextItemDjlModel(card.name(), card.ref().toString(), model);
            this.bytes = bytes;
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

        @Override
        public <T> Optional<T> unwrap(Class<T> type) {
            return type == NextItemModel.class
                    ? Optional.of(type.cast(model))
                    : LoadedModel.super.unwrap(type);
        }

        @Override
        public long sizeBytes() {
            return bytes;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                djl.close();
            }
        }
    }
}
