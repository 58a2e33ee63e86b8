package dev.maas.recommend;

import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * A small recommender with random (seeded) factors and interactions, and a brute-force reference
 * that computes expected results from the raw arrays in double precision, independently of the
 * serving code.
 */
final class RecommenderFixture {
    static final List<String> GENRES = List.of("Action", "Comedy", "Drama", "Horror");

    final int users;
    final int items;
    final int dim;
    final float[] userFactors;
    final float[] itemFactors;
    final float[] userBias;
    final float[] itemBias;
    final float globalBias;
    final List<String> userIds = new ArrayList<>();
    final List<ItemInfo> catalogue = new ArrayList<>();
    final List<Set<Integer>> seen = new ArrayList<>();
    final Interactions train;
    final FactorModel model;

    RecommenderFixture(long seed, int users, int items, int dim, int perUser) {
        this.users = users;
        this.items = items;
        this.dim = dim;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < items; i++) {
            List<String> g = new ArrayList<>();
            for (String genre : GENRES) {
                if (r.nextInt(3) == 0) {
                    g.add(genre);
                }
            }
            catalogue.add(new ItemInfo("m" + (i + 1), "Movie " + (i + 1), g));
        }
        Interactions.Builder b = Interactions.builder().catalogue(catalogue, GENRES);
        for (int u = 0; u < users; u++) {
            String id = "user-" + (u + 1);
            userIds.add(id);
            Set<Integer> mine = new HashSet<>();
            // Skewed choice so that popularity has a clear order.
            while (mine.size() < perUser) {
                int i = (int) Math.floor(items * Math.pow(r.nextDouble(), 2.5));
                mine.add(Math.min(i, items - 1));
            }
            for (int i : mine.stream().sorted().toList()) {
                b.add(id, catalogue.get(i).id(), 1 + r.nextInt(5), 1000L + i);
            }
            seen.add(mine);
        }
        this.train = b.build();
        this.userFactors = gaussian(r, users * dim);
        this.itemFactors = gaussian(r, items * dim);
        this.userBias = gaussian(r, users);
        this.itemBias = gaussian(r, items);
        this.globalBias = 3.5f;
        this.model =
                new FactorModel(
                        ModelType.BIASED_MF,
                        dim,
                        train.users(),
                        train.items(),
                        catalogue,
                        GENRES,
                        userFactors,
                        itemFactors,
                        userBias,
                        itemBias,
                        globalBias,
                        1f,
                        5f,
                        Map.of("seed", Long.toString(seed)));
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller; scaled down so scores stay in a rating-like range.
            double g =
                    Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                            * Math.cos(2 * Math.PI * r.nextDouble());
            a[i] = (float) (0.5 * g);
        }
        return a;
    }

    RecommenderPackage pkg() {
        return RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .summary(
                        new DataSummary(
                                "fixture", users, items, train.size(), train.size(), 0, "none"))
                .metric("rmse", 0.9)
                .metric("ndcg@10", 0.25)
                .description("test recommender")
                .build();
    }

    int userIndex(String id) {
        return userIds.indexOf(id);
    }

    /** The model's score, in double precision. */
    double score(int u, int i) {
        double s = globalBias + userBias[u] + itemBias[i];
        for (int d = 0; d < dim; d++) {
            s += (double) userFactors[u * dim + d] * itemFactors[i * dim + d];
        }
        return s;
    }

    /** The k best items of a known user among those passing {@code keep}, by brute force. */
    List<String> expectedTopK(int u, int k, IntPredicate keep) {
        return IntStream.range(0, items)
                .filter(keep)
                .boxed()
                .sorted(
                        Comparator.comparingDouble((Integer i) -> -score(u, i))
                                .thenComparing(i -> i))
                .limit(k)
                .map(i -> catalogue.get(i).id())
                .toList();
    }

    /** Number of users who interacted with each item. */
    int[] popularity() {
        int[] counts = new int[items];
        for (Set<Integer> s : seen) {
            for (int i : s) {
                counts[i]++;
            }
        }
        return counts;
    }

    /** The k most popular items passing {@code keep}, ties by catalogue order. */
    List<String> expectedPopular(int k, IntPredicate keep) {
        int[] pop = popularity();
        return IntStream.range(0, items)
                .filter(keep)
                .boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -pop[i]).thenComparing(i -> i))
                .limit(k)
                .map(i -> catalogue.get(i).id())
                .toList();
    }

    /** Cosine similarity of two items' vectors, in double precision. */
    double cosine(int a, int b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int d = 0; d < dim; d++) {
            double x = itemFactors[a * dim + d];
            double y = itemFactors[b * dim + d];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }

    int itemIndex(String id) {
        for (int i = 0; i < items; i++) {
            if (catalogue.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    IdMap itemIds() {
        return train.items();
    }
}
