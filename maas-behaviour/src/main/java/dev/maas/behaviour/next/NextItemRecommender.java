package dev.maas.behaviour.next;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.maas.Endpoint;
import dev.maas.MaasException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.recommend.ScoredItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Serves a published next-item model through its maas endpoint: {@link #next(List, int)} takes a
 * user's recent history and returns the titles most likely to come next. Each call is routed like
 * any endpoint call ({@code name}, {@code name:version} or {@code name@alias}, traffic splits), so
 * alias moves take effect at once; concurrent calls are batched and counted in the service's
 * metrics. The history is encoded, and the scores decoded into titles, with the item catalogue of
 * the version that runs the call.
 *
 * <p>Thread-safe.
 */
public final class NextItemRecommender {
    /** The card task of next-item models. */
    public static final String TASK = "next-item";

    private final Endpoint endpoint;
    private final Codec codec = new Codec();

    private NextItemRecommender(Endpoint endpoint) {
        this.endpoint = endpoint;
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
        return new NextItemRecommender(service.endpoint(ref));
    }

    /**
     * Returns the {@code k} titles most likely to come next after {@code userHistory} (item ids,
     * oldest first), without the titles already in it.
     *
     * @throws dev.maas.InvalidInputException if the history is empty or holds items the model does
     *     not know (named in the message)
     * @throws IllegalArgumentException if {@code k} is not positive
     * @throws dev.maas.OverloadedException if the endpoint's queue is full
     */
    public List<ScoredItem> next(List<String> userHistory, int k) {
        Objects.requireNonNull(userHistory, "userHistory");
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, was " + k);
        }
        return endpoint.predict(new Query(userHistory, k), codec);
    }

    private record Query(List<String> history, int k) {}

    /**
     * Encodes a query into the endpoint's input (one row of item indices, {@link
     * NextItemBlock#encode}) and decodes the scores into the top {@code k} titles, both with the
     * {@link NextItemModel} of the version the call was routed to. Stateless; one per recommender,
     * so the endpoint prepares it once per version.
     */
    private static final class Codec implements Translator<Query, List<ScoredItem>> {
        private static final String QUERY = "next-item.query";
        private static final String HISTORY = "next-item.history";

        @Override
        public NDList processInput(TranslatorContext ctx, Query query) {
            NextItemModel model = model(ctx);
            int[] history = model.indices(query.history());
            ctx.setAttachment(QUERY, query);
            ctx.setAttachment(HISTORY, history);
            int window = model.window();
            return new NDList(
                    ctx.getNDManager()
                            .create(NextItemBlock.encode(history, window), new Shape(1, window)));
        }

        @Override
        public List<ScoredItem> processOutput(TranslatorContext ctx, NDList list) {
            Query query = (Query) ctx.getAttachment(QUERY);
            float[] scores = list.singletonOrThrow().toFloatArray();
            return model(ctx).top(scores, (int[]) ctx.getAttachment(HISTORY), query.k());
        }

        @Override
        public Batchifier getBatchifier() {
            return null; // the input has its batch dimension already
        }

        private static NextItemModel model(TranslatorContext ctx) {
            if (ctx.getModel() instanceof NextItemDjlModel m) {
                return m.model();
            }
            throw new MaasException(
                    "model "
                            + ctx.getModel().getName()
                            + " is not a next-item model; its endpoint cannot serve next(...)");
        }
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
                        .inputs(TensorSpec.of("history", DataType.INT32, -1, model.window()))
                        .outputs(TensorSpec.of("scores", DataType.FLOAT32, -1, model.numItems()))
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
