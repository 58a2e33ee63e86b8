package dev.maas.recommend;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.Filter;
import dev.maas.recommend.retrieval.ItemSet;
import dev.maas.recommend.train.FactorModel;
import dev.maas.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A loaded recommender: factors, item index, id maps, item metadata and the items each user has
 * seen, as the model store caches it. {@link Recommender} reaches it through {@link
 * dev.maas.ModelService#apply}.
 *
 * <p>Immutable after construction apart from the lazily built similarity index; thread-safe.
 */
final class RecommenderModel implements LoadedModel {
    private final ModelCard card;
    private final ModelRef ref;
    private final FactorModel model;
    private final int dim;
    private final IdMap users;
    private final IdMap items;
    private final ItemInfo[] catalogue;
    private final int[] seenOffsets;
    private final int[] seenItems;
    private final int[] popularity;
    private final int[] popularOrder;
    private final IndexSettings settings;
    private final EmbeddingIndex index;
    private volatile Similarity similarity;

    RecommenderModel(ModelCard card, RecommenderArtifact.Contents c, IndexSettings settings) {
        this.card = Objects.requireNonNull(card, "card");
        this.ref = card.ref();
        this.model = c.model();
        this.dim = model.dim();
        this.users = model.users();
        this.items = model.items();
        this.catalogue = model.catalogue().toArray(new ItemInfo[0]);
        this.seenOffsets = c.seenOffsets();
        this.seenItems = c.seenItems();
        if (seenOffsets.length != users.size() + 1) {
            throw new IllegalArgumentException(
                    "seen items cover "
                            + (seenOffsets.length - 1)
                            + " users, the model has "
                            + users.size());
        }
        this.popularity = new int[items.size()];
        for (int i : seenItems) {
            popularity[i]++;
        }
        this.popularOrder = byPopularity(popularity);
        this.settings = settings;
        this.index =
                settings.build(
                        EmbeddingIndex.builder(toArray(model.itemFactors()), dim)
                                .bias(toArray(model.itemBiases())));
    }

    private static float[] toArray(java.nio.FloatBuffer buffer) {
        float[] a = new float[buffer.remaining()];
        buffer.get(a);
        return a;
    }

    private static int[] byPopularity(int[] counts) {
        return java.util.stream.IntStream.range(0, counts.length)
                .boxed()
                .sorted((a, b) -> counts[a] != counts[b] ? counts[b] - counts[a] : a - b)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    // ---- serving ----

    Recommendations recommend(String userId, int k, RecommendOptions options) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(options, "options");
        checkK(k);
        int user = users.indexOf(userId);
        int[] candidates = candidateIndices(options.candidates());
        ItemSet allowed = allowed(options, candidates);
        ItemSet excluded = excluded(options, user);
        if (user < 0) {
            return popular(k, excluded, allowed, candidates);
        }
        Filter.Builder filter = Filter.builder();
        if (excluded != null) {
            filter.exclude(excluded);
        }
        if (allowed != null) {
            filter.allowOnly(allowed);
        }
        if (candidates != null) {
            filter.candidates(candidates);
        }
        float offset = userOffset(user);
        List<dev.maas.recommend.retrieval.IndexHit> hits =
                index.topK(userVector(user), k, filter.build());
        List<ScoredItem> out = new ArrayList<>(hits.size());
        for (dev.maas.recommend.retrieval.IndexHit h : hits) {
            out.add(new ScoredItem(catalogue[h.index()], h.score() + offset));
        }
        return new Recommendations(out, Recommendations.Source.PERSONALIZED, ref);
    }

    /**
     * Recommends for many users at once: the same results as {@link #recommend} user by user, but
     * the item matrix is scanned once for a block of users rather than once per user, and the
     * allowed set and filter are resolved once for the whole list.
     */
    List<Recommendations> recommendAll(List<String> userIds, int k, RecommendOptions options) {
        Objects.requireNonNull(userIds, "userIds");
        Objects.requireNonNull(options, "options");
        checkK(k);
        int[] candidates = candidateIndices(options.candidates());
        ItemSet allowed = allowed(options, candidates);
        Recommendations[] out = new Recommendations[userIds.size()];
        List<float[]> queries = new ArrayList<>(userIds.size());
        List<Filter> filters = new ArrayList<>(userIds.size());
        List<Integer> positions = new ArrayList<>(userIds.size());
        for (int n = 0; n < out.length; n++) {
            String userId = Objects.requireNonNull(userIds.get(n), "userIds[" + n + "]");
            int user = users.indexOf(userId);
            ItemSet excluded = excluded(options, user);
            if (user < 0) {
                out[n] = popular(k, excluded, allowed, candidates);
                continue;
            }
            Filter.Builder filter = Filter.builder();
            if (excluded != null) {
                filter.exclude(excluded);
            }
            if (allowed != null) {
                filter.allowOnly(allowed);
            }
            if (candidates != null) {
                filter.candidates(candidates);
            }
            queries.add(userVector(user));
            filters.add(filter.build());
            positions.add(n);
        }
        if (!queries.isEmpty()) {
            List<List<dev.maas.recommend.retrieval.IndexHit>> hits =
                    index.topK(queries.toArray(new float[0][]), k, filters);
            for (int j = 0; j < hits.size(); j++) {
                int n = positions.get(j);
                float offset = userOffset(users.indexOf(userIds.get(n)));
                List<ScoredItem> items = new ArrayList<>(hits.get(j).size());
                for (dev.maas.recommend.retrieval.IndexHit h : hits.get(j)) {
                    items.add(new ScoredItem(catalogue[h.index()], h.score() + offset));
                }
                out[n] = new Recommendations(items, Recommendations.Source.PERSONALIZED, ref);
            }
        }
        return List.of(out);
    }

    /**
     * Recommends for a visitor from the items they interacted with: their vector is folded in
     * against the item vectors ({@link FactorModel#foldIn}); their items are left out. Ids the
     * model does not know are ignored, as long as one is known.
     */
    Recommendations recommendForVisitor(
            java.util.Collection<String> visitorItems, int k, RecommendOptions options) {
        Objects.requireNonNull(visitorItems, "visitorInteractions");
        Objects.requireNonNull(options, "options");
        checkK(k);
        if (visitorItems.isEmpty()) {
            throw new IllegalArgumentException(
                    "visitorInteractions is empty: expected the ids of at least one item the"
                            + " visitor interacted with (use recommend(userId, k) for the"
                            + " popularity fallback)");
        }
        java.util.TreeSet<Integer> known = new java.util.TreeSet<>();
        List<String> unknown = new ArrayList<>();
        for (String id : visitorItems) {
            Objects.requireNonNull(id, "visitorInteractions holds a null id");
            int i = items.indexOf(id);
            if (i >= 0) {
                known.add(i);
            } else {
                unknown.add(id);
            }
        }
        if (known.isEmpty()) {
            throw new UnknownItemException(
                    unknown.get(0),
                    "none of the visitor's "
                            + unknown.size()
                            + " items is in the catalogue of model "
                            + ref
                            + " ("
                            + unknown.stream()
                                    .limit(5)
                                    .map(s -> "'" + s + "'")
                                    .collect(Collectors.joining(", "))
                            + (unknown.size() > 5 ? ", ..." : "")
                            + "): expected at least one of its "
                            + items.size()
                            + " item ids to fold the visitor in");
        }
        int[] seen = known.stream().mapToInt(Integer::intValue).toArray();
        float[] vector = model.foldIn(seen);
        int[] candidates = candidateIndices(options.candidates());
        ItemSet allowed = allowed(options, candidates);
        Filter.Builder filter = Filter.builder();
        java.util.TreeSet<Integer> leftOut =
                options.excludeSeen() ? new java.util.TreeSet<>(known) : new java.util.TreeSet<>();
        for (String id : options.excludedItems()) {
            int i = items.indexOf(id);
            if (i >= 0) {
                leftOut.add(i);
            }
        }
        if (!leftOut.isEmpty()) {
            filter.exclude(leftOut.stream().mapToInt(Integer::intValue).toArray());
        }
        if (allowed != null) {
            filter.allowOnly(allowed);
        }
        if (candidates != null) {
            filter.candidates(candidates);
        }
        float offset = model.globalBias();
        List<dev.maas.recommend.retrieval.IndexHit> hits = index.topK(vector, k, filter.build());
        List<ScoredItem> out = new ArrayList<>(hits.size());
        for (dev.maas.recommend.retrieval.IndexHit h : hits) {
            out.add(new ScoredItem(catalogue[h.index()], h.score() + offset));
        }
        return new Recommendations(out, Recommendations.Source.PERSONALIZED, ref);
    }

    Recommendations similarItems(String itemId, int k) {
        checkK(k);
        int item = itemIndex(itemId);
        Similarity sim = similarity();
        float[] query = Arrays.copyOfRange(sim.unit(), item * dim, (item + 1) * dim);
        List<dev.maas.recommend.retrieval.IndexHit> hits =
                sim.index().topK(query, k, Filter.excluding(item));
        List<ScoredItem> out = new ArrayList<>(hits.size());
        for (dev.maas.recommend.retrieval.IndexHit h : hits) {
            out.add(new ScoredItem(catalogue[h.index()], h.score()));
        }
        return new Recommendations(out, Recommendations.Source.SIMILAR_ITEMS, ref);
    }

    Recommendations score(String userId, List<String> itemIds) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemIds, "itemIds");
        int[] idx = new int[itemIds.size()];
        for (int n = 0; n < idx.length; n++) {
            idx[n] = itemIndex(itemIds.get(n));
        }
        int user = users.indexOf(userId);
        List<ScoredItem> out = new ArrayList<>(idx.length);
        if (user < 0) {
            for (int i : idx) {
                out.add(new ScoredItem(catalogue[i], popularity[i]));
            }
            return new Recommendations(out, Recommendations.Source.POPULARITY, ref);
        }
        float offset = userOffset(user);
        float[] scores = index.scores(userVector(user), idx);
        for (int n = 0; n < idx.length; n++) {
            out.add(new ScoredItem(catalogue[idx[n]], scores[n] + offset));
        }
        return new Recommendations(out, Recommendations.Source.PERSONALIZED, ref);
    }

    private Recommendations popular(int k, ItemSet excluded, ItemSet allowed, int[] candidates) {
        int[] order = popularOrder;
        if (candidates != null) {
            order =
                    Arrays.stream(candidates)
                            .boxed()
                            .sorted(
                                    (a, b) ->
                                            popularity[a] != popularity[b]
                                                    ? popularity[b] - popularity[a]
                                                    : a - b)
                            .mapToInt(Integer::intValue)
                            .toArray();
        }
        List<ScoredItem> out = new ArrayList<>(k);
        for (int i : order) {
            if (out.size() == k) {
                break;
            }
            if ((excluded != null && excluded.contains(i))
                    || (allowed != null && !allowed.contains(i))) {
                continue;
            }
            out.add(new ScoredItem(catalogue[i], popularity[i]));
        }
        return new Recommendations(out, Recommendations.Source.POPULARITY, ref);
    }

    private static void checkK(int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0, was " + k);
        }
    }

    private int[] candidateIndices(List<String> ids) {
        if (ids == null) {
            return null;
        }
        int[] idx = new int[ids.size()];
        for (int n = 0; n < idx.length; n++) {
            idx[n] = itemIndex(ids.get(n));
        }
        Arrays.sort(idx);
        return idx;
    }

    /** The allowed set and the filter combined; null when both are absent. */
    private ItemSet allowed(RecommendOptions options, int[] candidates) {
        ItemSet allowed = options.allowedIndices(items);
        Predicate<ItemInfo> filter = options.filter();
        if (filter == null) {
            return allowed;
        }
        BitSet passing = new BitSet(items.size());
        if (candidates != null) {
            for (int i : candidates) {
                if ((allowed == null || allowed.contains(i)) && filter.test(catalogue[i])) {
                    passing.set(i);
                }
            }
        } else {
            for (int i = 0; i < catalogue.length; i++) {
                if ((allowed == null || allowed.contains(i)) && filter.test(catalogue[i])) {
                    passing.set(i);
                }
            }
        }
        return ItemSet.of(passing);
    }

    /** The user's seen items (when excluded) and the explicit exclusions; null when none. */
    private ItemSet excluded(RecommendOptions options, int user) {
        Set<String> extra = options.excludedItems();
        int from = user >= 0 && options.excludeSeen() ? seenOffsets[user] : 0;
        int to = user >= 0 && options.excludeSeen() ? seenOffsets[user + 1] : 0;
        if (from == to && extra.isEmpty()) {
            return null;
        }
        int[] excluded =
                Arrays.copyOf(Arrays.copyOfRange(seenItems, from, to), to - from + extra.size());
        int n = to - from;
        for (String id : extra) {
            int i = items.indexOf(id);
            if (i >= 0) {
                excluded[n++] = i;
            }
        }
        return ItemSet.of(n == excluded.length ? excluded : Arrays.copyOf(excluded, n));
    }

    private float[] userVector(int user) {
        return model.userVector(user);
    }

    private float userOffset(int user) {
        return model.globalBias() + model.userBias(user);
    }

    /**
     * Returns the index of {@code itemId}.
     *
     * @throws UnknownItemException if the model does not know it
     */
    int itemIndex(String itemId) {
        Objects.requireNonNull(itemId, "itemId");
        int i = items.indexOf(itemId);
        if (i < 0) {
            String examples =
                    items.ids().stream()
                            .limit(3)
                            .map(s -> "'" + s + "'")
                            .collect(Collectors.joining(", "));
            throw new UnknownItemException(
                    itemId,
                    "unknown item '"
                            + itemId
                            + "' for model "
                            + ref
                            + ": it was not in the model's catalogue of "
                            + items.size()
                            + " items (ids such as "
                            + examples
                            + "); retrain or republish to include new items");
        }
        return i;
    }

    ItemInfo itemInfo(String itemId) {
        return catalogue[itemIndex(itemId)];
    }

    // ---- similarity index, built on first use ----

    /** Unit-length item vectors and an index over them; cosine similarity is their dot product. */
    private record Similarity(float[] unit, EmbeddingIndex index) {}

    private Similarity similarity() {
        Similarity s = similarity;
        if (s == null) {
            synchronized (this) {
                s = similarity;
                if (s == null) {
                    float[] v = toArray(model.itemFactors());
                    float[] unit = new float[v.length];
                    for (int i = 0; i < items.size(); i++) {
                        double norm = 0;
                        for (int d = 0; d < dim; d++) {
                            norm += (double) v[i * dim + d] * v[i * dim + d];
                        }
                        float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
                        for (int d = 0; d < dim; d++) {
                            unit[i * dim + d] = v[i * dim + d] * scale;
                        }
                    }
                    s = new Similarity(unit, settings.build(EmbeddingIndex.builder(unit, dim)));
                    similarity = s;
                }
            }
        }
        return s;
    }

    // ---- accessors ----

    IdMap users() {
        return users;
    }

    IdMap items() {
        return items;
    }

    FactorModel model() {
        return model;
    }

    int popularity(int item) {
        return popularity[item];
    }

    // ---- LoadedModel ----

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Model djlModel() {
        throw notAnEndpoint();
    }

    @Override
    public Predictor<NDList, NDList> newPredictor() {
        throw notAnEndpoint();
    }

    private UnsupportedOperationException notAnEndpoint() {
        return new UnsupportedOperationException(
                "model "
                        + ref
                        + " is a recommender (format "
                        + RecommenderArtifact.FORMAT
                        + "): serve it with dev.maas.recommend.Recommender.open(service, \""
                        + ref
                        + "\"), not through an Endpoint");
    }

    @Override
    public long sizeBytes() {
        return index.memoryBytes()
                + 4L * ((long) users.size() * (dim + 1) + (long) items.size() * (dim + 1))
                + 4L * (seenItems.length + seenOffsets.length + 2L * popularity.length)
                + 64L * catalogue.length;
    }

    @Override
    public void close() {
        index.close();
        Similarity s = similarity;
        if (s != null) {
            s.index().close();
        }
    }
}
