package dev.maas.testing;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import dev.maas.EngineOptions;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real, if tiny, engine backend for tests that need no native engine: it loads the text of a
 * version's {@code model.txt} (engine {@code text}, format {@code txt}); models are used through
 * {@code ModelService.apply(ref, TextBackend.TextModel.class, fn)}.
 */
public final class TextBackend implements EngineBackend {
    /** How many loads ran. */
    public final AtomicInteger loads = new AtomicInteger();

    /** What the backend loads: the artifact's text, and whether it was closed. */
    public static final class TextModel implements LoadedModel {
        public final ModelCard card;
        public final String text;
        public volatile boolean closed;

        TextModel(ModelCard card, String text) {
            this.card = card;
            this.text = text;
        }

        @Override
        public ModelCard card() {
            return card;
        }

        @Override
        public Model djlModel() {
            throw new UnsupportedOperationException("text model");
        }

        @Override
        public Predictor<NDList, NDList> newPredictor() {
            throw new UnsupportedOperationException("text model");
        }

        @Override
        public long sizeBytes() {
            return text.length();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public String engine() {
        return "text";
    }

    @Override
    public Set<String> formats() {
        return Set.of("txt");
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        loads.incrementAndGet();
        try {
            return new TextModel(
                    card,
                    Files.readString(versionDir.resolve("model.txt"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + versionDir, e);
        }
    }
}
