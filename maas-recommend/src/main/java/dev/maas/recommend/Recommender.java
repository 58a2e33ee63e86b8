package dev.maas.recommend;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.market.ModelSession;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.train.FactorModel;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Serves a published recommendation model: what to watch next for a user, titles similar to a
 * title, and scores for given titles.
 *
 * <pre>{@code
 * Recommender movies = Recommender.open(maas, "movies@production");
 * Recommendations next = movies.recommend("196", 10);
 * for (ScoredItem item : next.items()) {
 *     System.out.println(item.title() + " " + item.genres());
 * }
 * }</pre>
 *
 * <p>The model is loaded through the {@link ModelService}'s model store, like any other model:
 * loaded once and shared by every recommender and thread, evicted under memory pressure or when
 * idle, and never closed under a running call. The reference is resolved at every call, so a
 * recommender for {@code movies@production} serves the new version as soon as the alias moves; each
 * result names the exact version that produced it ({@link Recommendations#model()}).
 *
 * <p><b>Users and items</b> are named by their external ids, as in the training data. A user the
 * model does not know (not in its training data) is not an error: {@link #recommend} and {@link
 * #score} fall back to popularity and mark the result {@link Recommendations.Source#POPULARITY}. An
 * item the model does not know is an error ({@link UnknownItemException}), except in the allowed
 * and excluded sets of {@link RecommendOptions}, which may name items newer than the model. An
 * empty or blank user id is refused with {@link IllegalArgumentException}: it names no user at all,
 * so it gets no fallback.
 *
 * <p>Thread-safe: share one instance across all threads. It holds no resources of its own and need
 * not be closed.
 */
public final class Recommender {
    /** Runs a function on the loaded model: the service's, or a principal's session's. */
    private interface Runner {
        <T, R> R apply(ModelRef ref, Class<T> type, Function<? super T, ? extends R> fn);
    }

    private final Runner service;
    private final ModelRef ref;

    private Recommender(Runner service, ModelRef ref) {
        this.service = service;
        this.ref = ref;
    }

    /**
     * Returns a recommender for {@code ref}, loading the model now so that a wrong reference fails
     * here rather than at the first call.
     *
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     * @throws dev.maas.MalformedModelException if the model's files cannot be read
     * @throws dev.maas.EngineUnavailableException if the model needs a backend that is missing
     * @throws IllegalArgumentException if the model is not a recommender (the message names its
     *     task and format)
     */
    public static Recommender open(ModelService service, ModelRef ref) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(ref, "ref");
        Recommender r = new Recommender(service::apply, ref);
        r.card();
        return r;
    }

    /**
     * Returns a recommender that calls the model as {@code session}'s principal: every call needs
     * {@link dev.maas.access.Permission#USE}, takes the principal's quota and is counted in the
     * model's usage (opening it counts as one call). See {@link #open(ModelService, ModelRef)}.
     *
     * @throws dev.maas.ModelNotFoundException also if the principal cannot see the model
     * @throws dev.maas.AccessDeniedException if it may see but not use it
     */
    public static Recommender open(ModelSession session, String ref) {
        Objects.requireNonNull(session, "session");
        Recommender r = new Recommender(session::apply, ModelRef.parse(ref));
        r.card();
        return r;
    }

    /**
     * Returns a recommender for a reference in text form ({@code "movies"}, {@code "movies:3"},
     * {@code "movies@production"}); see {@link #open(ModelService, ModelRef)}.
     */
    public static Recommender open(ModelService service, String ref) {
        return open(service, ModelRef.parse(ref));
    }

    /** Returns the reference this recommender serves. */
    public ModelRef ref() {
        return ref;
    }

    /**
     * Returns the card of the version a call made now would use: its metrics, data summary and
     * version.
     */
    public ModelCard card() {
        return service.apply(ref, RecommenderModel.class, RecommenderModel::card);
    }

    /**
     * Returns the {@code k} best items for {@code userId} with the {@linkplain
     * RecommendOptions#defaults() default options} (items the user has seen are left out).
     *
     * @throws IllegalArgumentException if {@code userId} is empty or blank, or {@code k <= 0}
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     */
    public Recommendations recommend(String userId, int k) {
        return recommend(userId, k, RecommendOptions.defaults());
    }

    /**
     * Returns up to {@code k} best items for {@code userId} that satisfy {@code options}, best
     * first. Fewer than {@code k} come back when fewer items qualify. For a user the model does not
     * know, the most popular qualifying items come back, marked {@link
     * Recommendations.Source#POPULARITY}.
     *
     * @throws UnknownItemException if a candidate in {@code options} is not in the model
     * @throws IllegalArgumentException if {@code userId} is empty or blank, or {@code k <= 0}
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     */
    public Recommendations recommend(String userId, int k, RecommendOptions options) {
        checkUserId(userId);
        Objects.requireNonNull(options, "options");
        return service.apply(ref, RecommenderModel.class, m -> m.recommend(userId, k, options));
    }

    /**
     * Returns the recommendations of each of {@code userIds}, in order: the same as calling {@link
     * #recommend(String, int, RecommendOptions)} for each user (same items, same scores), but
     * faster for batch jobs, since the model's item vectors are read once for a block of users
     * rather than once per user, and the allowed set and filter of {@code options} are resolved
     * once. All users are served by the same model version.
     *
     * @throws UnknownItemException if a candidate in {@code options} is not in the model
     * @throws IllegalArgumentException if a user id is empty or blank, or {@code k <= 0}
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     */
    public List<Recommendations> recommendAll(
            List<String> userIds, int k, RecommendOptions options) {
        List<String> ids = List.copyOf(userIds);
        ids.forEach(Recommender::checkUserId);
        Objects.requireNonNull(options, "options");
        return service.apply(ref, RecommenderModel.class, m -> m.recommendAll(ids, k, options));
    }

    /**
     * Returns up to {@code k} items most similar to {@code itemId} by cosine similarity of the
     * model's item vectors, most similar first, the item itself left out.
     *
     * @throws UnknownItemException if the model does not know {@code itemId}
     * @throws IllegalArgumentException if {@code k <= 0}
     */
    /**
     * Returns the {@code k} best items for a visitor the model was not trained on (or a known user
     * with newer interactions), from the ids of the items they interacted with, with the default
     * options: no retraining, the visitor's vector is solved at request time against the item
     * vectors ({@link FactorModel#foldIn}: the model's own fold-in, a regularised least-squares
     * solve of a few microseconds to a millisecond, see {@code FoldInBenchmark}). The visitor's
     * items are left out. Ids the model does not know are ignored when at least one is known.
     *
     * @throws IllegalArgumentException if {@code visitorInteractions} is empty or {@code k <= 0}
     * @throws UnknownItemException if none of the ids is in the model's catalogue; the message
     *     lists them
     */
    public Recommendations recommend(Collection<String> visitorInteractions, int k) {
        return recommend(visitorInteractions, k, RecommendOptions.defaults());
    }

    /**
     * Returns the {@code k} best items for a visitor from the items they interacted with, as {@link
     * #recommend(Collection, int)} does, with {@code options} (filters, allowed and excluded items;
     * {@code excludeSeen} decides whether the visitor's items are left out).
     *
     * @throws IllegalArgumentException if {@code visitorInteractions} is empty or {@code k <= 0}
     * @throws UnknownItemException if none of the ids is in the model's catalogue
     */
    public Recommendations recommend(
            Collection<String> visitorInteractions, int k, RecommendOptions options) {
        Objects.requireNonNull(visitorInteractions, "visitorInteractions");
        Objects.requireNonNull(options, "options");
        List<String> ids = List.copyOf(visitorInteractions);
        return service.apply(
                ref, RecommenderModel.class, m -> m.recommendForVisitor(ids, k, options));
    }

    public Recommendations similarItems(String itemId, int k) {
        Objects.requireNonNull(itemId, "itemId");
        return service.apply(ref, RecommenderModel.class, m -> m.similarItems(itemId, k));
    }

    /**
     * Returns the scores of {@code itemIds} for {@code userId}, in the order given. For a user the
     * model does not know, each item's popularity is its score and the result is marked {@link
     * Recommendations.Source#POPULARITY}.
     *
     * @throws UnknownItemException naming the first item the model does not know
     * @throws IllegalArgumentException if {@code userId} is empty or blank
     */
    public Recommendations score(String userId, List<String> itemIds) {
        checkUserId(userId);
        List<String> ids = List.copyOf(itemIds);
        return service.apply(ref, RecommenderModel.class, m -> m.score(userId, ids));
    }

    /**
     * Returns the catalogue entry (title, genres) of {@code itemId}.
     *
     * @throws UnknownItemException if the model does not know the item
     */
    public ItemInfo item(String itemId) {
        Objects.requireNonNull(itemId, "itemId");
        return service.apply(ref, RecommenderModel.class, m -> m.itemInfo(itemId));
    }

    /**
     * Returns the trained model of the version a call made now would use: its factors, biases, ids
     * and catalogue, for evaluation or export. The model is immutable and on the Java heap, so it
     * may be kept.
     */
    public FactorModel model() {
        return service.apply(ref, RecommenderModel.class, RecommenderModel::model);
    }

    /**
     * Refuses an empty or blank user id. No model holds one (loaders reject empty ids and trim the
     * others), so such an id is a caller's bug, typically an unset field or form value; serving it
     * the popularity fallback, as for a real visitor the model has never seen, would hide the bug.
     */
    private static void checkUserId(String userId) {
        Objects.requireNonNull(userId, "userId");
        if (userId.isBlank()) {
            throw new IllegalArgumentException(
                    "userId must not be "
                            + (userId.isEmpty() ? "empty" : "blank")
                            + ": expected a user id such as those in the training data (a user"
                            + " the model does not know gets the popularity fallback)");
        }
    }

    @Override
    public String toString() {
        return "Recommender[" + ref + "]";
    }
}
