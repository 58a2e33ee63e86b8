package dev.maas.recommend.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Divides interactions into training and test sets: random holdout, per-user leave-last-out by
 * time, and k-fold cross-validation.
 *
 * <p>Every split is a function of its inputs and seed only: the same data and seed give the same
 * sets on any machine. Each row goes to exactly one side (no row is in both), and within each side
 * rows keep their original order. Stateless and thread-safe.
 */
public final class Splits {
    private Splits() {}

    /**
     * Holds out a uniformly random {@code testFraction} of the rows ({@code round(size *
     * testFraction)} rows) as the test set.
     *
     * @throws IllegalArgumentException if the fraction is not strictly between 0 and 1
     */
    public static Split randomHoldout(Interactions data, double testFraction, long seed) {
        Objects.requireNonNull(data, "data");
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException(
                    "testFraction must be > 0 and < 1, was " + testFraction);
        }
        int[] order = shuffledRows(data.size(), seed);
        int nTest = (int) Math.round(data.size() * testFraction);
        boolean[] inTest = new boolean[data.size()];
        for (int k = 0; k < nTest; k++) {
            inTest[order[k]] = true;
        }
        return partition(data, inTest);
    }

    /**
     * Holds out, for every user with at least two interactions, the latest one by timestamp; users
     * with a single interaction keep it in the training set. Ties between interactions with the
     * same latest timestamp are broken at random with {@code seed}.
     *
     * <p>Every test row of a user is at least as recent as each of that user's training rows.
     */
    public static Split leaveLastOut(Interactions data, long seed) {
        Objects.requireNonNull(data, "data");
        int numUsers = data.numUsers();
        int[] latest = new int[numUsers];
        int[] ties = new int[numUsers];
        int[] counts = new int[numUsers];
        Arrays.fill(latest, -1);
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < data.size(); r++) {
            int u = data.user(r);
            counts[u]++;
            int best = latest[u];
            if (best < 0 || data.timestamp(r) > data.timestamp(best)) {
                latest[u] = r;
                ties[u] = 1;
            } else if (data.timestamp(r) == data.timestamp(best)) {
                // Reservoir sampling over the rows tied for the latest time: each is equally
                // likely.
                ties[u]++;
                if (random.nextInt(ties[u]) == 0) {
                    latest[u] = r;
                }
            }
        }
        boolean[] inTest = new boolean[data.size()];
        for (int u = 0; u < numUsers; u++) {
            if (counts[u] >= 2) {
                inTest[latest[u]] = true;
            }
        }
        return partition(data, inTest);
    }

    /**
     * Divides the rows at random into {@code k} folds of nearly equal size (sizes differ by at most
     * one) and returns {@code k} splits; split {@code f} tests on fold {@code f} and trains on the
     * others. Every row is tested exactly once across the splits.
     *
     * @throws IllegalArgumentException if {@code k < 2} or {@code k} exceeds the number of rows
     */
    public static List<Split> kFold(Interactions data, int k, long seed) {
        Objects.requireNonNull(data, "data");
        if (k < 2 || k > data.size()) {
            throw new IllegalArgumentException(
                    "k must be between 2 and the number of rows (" + data.size() + "), was " + k);
        }
        int[] order = shuffledRows(data.size(), seed);
        int[] fold = new int[data.size()];
        for (int pos = 0; pos < order.length; pos++) {
            fold[order[pos]] = pos % k;
        }
        List<Split> splits = new ArrayList<>(k);
        for (int f = 0; f < k; f++) {
            boolean[] inTest = new boolean[data.size()];
            for (int r = 0; r < fold.length; r++) {
                inTest[r] = fold[r] == f;
            }
            splits.add(partition(data, inTest));
        }
        return List.copyOf(splits);
    }

    /** Returns 0..n-1 in a seeded Fisher-Yates order. */
    static int[] shuffledRows(int n, long seed) {
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            order[r] = r;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = n - 1; r > 0; r--) {
            int j = random.nextInt(r + 1);
            int tmp = order[r];
            order[r] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    private static Split partition(Interactions data, boolean[] inTest) {
        int nTest = 0;
        for (boolean b : inTest) {
            nTest += b ? 1 : 0;
        }
        int[] train = new int[data.size() - nTest];
        int[] test = new int[nTest];
        int a = 0;
        int b = 0;
        for (int r = 0; r < inTest.length; r++) {
            if (inTest[r]) {
                test[b++] = r;
            } else {
                train[a++] = r;
            }
        }
        return new Split(data.select(train), data.select(test));
    }
}
