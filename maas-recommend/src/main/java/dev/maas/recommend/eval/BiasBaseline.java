package dev.maas.recommend.eval;

import dev.maas.recommend.data.Interactions;
import java.util.Objects;

/**
 * The classic baseline predictor: global mean plus a user bias and an item bias, {@code r(u,i) = mu
 * + b_u + b_i}, each bias shrunk towards zero by a damping term so that users and items with few
 * ratings stay close to the mean. Fitted by a few rounds of alternating closed-form updates: {@code
 * b_i = sum(r - mu - b_u) / (lambdaItem + n_i)}, then {@code b_u = sum(r - mu - b_i) / (lambdaUser
 * + n_u)}.
 *
 * <p>Predictions are clipped to the range of the training values. As an {@link ItemScorer} it ranks
 * items by {@code b_i} (the same list for everyone: best-rated, not most-watched). Immutable and
 * thread-safe.
 */
public final class BiasBaseline implements RatingPredictor, ItemScorer {
    /** Default item damping: an item needs about 25 ratings before its bias is half-trusted. */
    public static final double DEFAULT_ITEM_DAMPING = 25;

    /** Default user damping. */
    public static final double DEFAULT_USER_DAMPING = 10;

    private final float mean;
    private final float[] userBias;
    private final float[] itemBias;
    private final float min;
    private final float max;

    private BiasBaseline(float mean, float[] userBias, float[] itemBias, float min, float max) {
        this.mean = mean;
        this.userBias = userBias;
        this.itemBias = itemBias;
        this.min = min;
        this.max = max;
    }

    /** Fits the baseline with the default damping (25 for items, 10 for users). */
    public static BiasBaseline fit(Interactions train) {
        return fit(train, DEFAULT_ITEM_DAMPING, DEFAULT_USER_DAMPING);
    }

    /**
     * Fits the baseline.
     *
     * @throws IllegalArgumentException if the training set is empty or a damping is negative
     */
    public static BiasBaseline fit(Interactions train, double itemDamping, double userDamping) {
        Objects.requireNonNull(train, "train");
        if (train.size() == 0) {
            throw new IllegalArgumentException("cannot fit a baseline on an empty training set");
        }
        if (itemDamping < 0 || userDamping < 0) {
            throw new IllegalArgumentException(
                    "damping must be >= 0, was " + itemDamping + " and " + userDamping);
        }
        double mu = train.meanValue();
        double[] bu = new double[train.numUsers()];
        double[] bi = new double[train.numItems()];
        int[] nu = train.userCounts();
        int[] ni = train.itemCounts();
        for (int round = 0; round < 10; round++) {
            double[] sum = new double[bi.length];
            for (int r = 0; r < train.size(); r++) {
                sum[train.item(r)] += train.value(r) - mu - bu[train.user(r)];
            }
            for (int i = 0; i < bi.length; i++) {
                bi[i] = sum[i] / (itemDamping + ni[i] + (ni[i] == 0 ? 1 : 0));
            }
            sum = new double[bu.length];
            for (int r = 0; r < train.size(); r++) {
                sum[train.user(r)] += train.value(r) - mu - bi[train.item(r)];
            }
            for (int u = 0; u < bu.length; u++) {
                bu[u] = sum[u] / (userDamping + nu[u] + (nu[u] == 0 ? 1 : 0));
            }
        }
        return new BiasBaseline(
                (float) mu, toFloat(bu), toFloat(bi), train.minValue(), train.maxValue());
    }

    /** Returns the global mean. */
    public float mean() {
        return mean;
    }

    /** Returns the bias of user {@code user}. */
    public float userBias(int user) {
        return userBias[user];
    }

    /** Returns the bias of item {@code item}. */
    public float itemBias(int item) {
        return itemBias[item];
    }

    @Override
    public float predictRating(int user, int item) {
        float p = mean + userBias[user] + itemBias[item];
        return Math.max(min, Math.min(max, p));
    }

    @Override
    public int numItems() {
        return itemBias.length;
    }

    @Override
    public void scoreAll(int user, float[] scores) {
        if (scores.length != itemBias.length) {
            throw new IllegalArgumentException(
                    "scores has length " + scores.length + ", expected " + itemBias.length);
        }
        System.arraycopy(itemBias, 0, scores, 0, itemBias.length);
    }

    @Override
    public void scoreItems(int user, int[] items, float[] scores) {
        for (int k = 0; k < items.length; k++) {
            scores[k] = itemBias[items[k]];
        }
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
