package dev.maas.behaviour.next;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.ScoredItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Serves a published next-item model: {@link #next(List, int)} takes a user's recent history and
 * returns the titles most likely to come next. The model is resolved on each call ({@code name},
 * {@code name:version} or {@code name@alias}), so alias moves take effect at once, and is loaded
 * once into the service's model store.
 *
 * <p>Thread-safe.
 */
public final class NextItemRecommender {
    /** The card task of next-item models. */
    public static final String TASK = "next-item";

    private final ModelService service;
    private final ModelRef ref;

    private NextItemRecommender(ModelService service, ModelRef ref) {
        this.service = service;
        this.ref = ref;
    }

    /**
     * Opens the next-item model {@code ref} of {@code service}.
     *
     * @throws dev.maas.ModelNotFoundException if there is no such model
     * @throws IllegalArgumentException if the model is not a next-item model
     */
    public static NextItemRecommender open(ModelService service, String ref) {
        Objects.requireNonNull(service, "service");
        ModelRef r = ModelRef.parse(ref);
        ModelCard card = service.resolve(r);
        if (!NextItemBackend.ENGINE.equals(card.engine())) {
            throw new IllegalArgumentException(
                    "model "
                            + card.ref()
                            + " is not a next-item model (engine "
                            + card.engine()
                            + ", task "
                            + card.task()
                            + ")");
        }
        return new NextItemRecommender(service, r);
    }

    /**
     * Returns the {@code k} titles most likely to come next after {@code userHistory} (item ids,
     * oldest first), without the titles already in it.
     *
     * @throws dev.maas.InvalidInputException if the history is empty or holds items the model does
     *     not know (named in the message)
     * @throws IllegalArgumentException if {@code k} is not positive
     */
    public List<ScoredItem> next(List<String> userHistory, int k) {
        Objects.requireNonNull(userHistory, "userHistory");
        return service.apply(ref, NextItemModel.class, m -> m.next(userHistory, k));
    }

    /**
     * Publishes {@code model} as {@code name} with task {@value #TASK} and the given metrics;
     * returns the card.
     */
    public static ModelCard publish(
            ModelService service, String name, NextItemModel model, Map<String, Double> metrics) {
        ModelCard card =
                ModelCard.builder(name)
                        .task(TASK)
                        .engine(NextItemBackend.ENGINE)
                        .format(NextItemBackend.FORMAT)
                        .description(
                                "Next title from the recent history: self-attention over the last "
                                        + model.window()
                                        + " items with positional embeddings")
                        .property(
                                dev.maas.spi.EngineBackend.ARTIFACT_PROPERTY,
                                NextItemBackend.ARTIFACT)
                        .property("input", "history: item ids, oldest first (at least one)")
                        .property("output", "top-k item ids with scores, history excluded")
                        .property("window", Integer.toString(model.window()))
                        .property("dim", Integer.toString(model.dim()))
                        .property("items", Integer.toString(model.numItems()))
                        .metrics(metrics)
                        .build();
        try {
            Path dir = Files.createTempDirectory("maas-next-item");
            try {
                model.save(dir.resolve(NextItemBackend.FILE));
                return service.publish(ModelPackage.of(card, dir));
            } finally {
                Files.deleteIfExists(dir.resolve(NextItemBackend.FILE));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot stage the next-item model: " + e.getMessage(), e);
        }
    }
}
