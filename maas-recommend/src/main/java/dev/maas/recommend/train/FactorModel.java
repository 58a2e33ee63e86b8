package dev.maas.recommend.train;

import dev.maas.MalformedModelException;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.eval.Candidate;
import dev.maas.recommend.eval.ItemScorer;
import dev.maas.recommend.eval.RatingPredictor;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A trained factor model: a {@code dim}-dimensional vector per user and per item, plus biases, such
 * that the score of item {@code i} for user {@code u} is
 *
 * <pre>
 * {@code score(u, i) = globalBias + userBias[u] + itemBias[i] + dot(userVector(u), itemVector(i))}
 * </pre>
 *
 * <p>For {@link ModelType#BIASED_MF} the score is a predicted rating; {@link #predictRating} clips
 * it to the rating range of the training data. For {@link ModelType#BPR_MF} the global and user
 * biases are zero (they do not change a user's ranking) and the item bias carries popularity. For
 * {@link ModelType#TWO_TOWER} all biases are zero and the vectors are the precomputed tower
 * outputs, so the score is a plain dot product. In every case the top-K items of a user are the
 * items with the largest {@code itemBias[i] + dot(p_u, q_i)}, which a dot-product index serves by
 * appending the item bias to the item vector and a {@code 1} to the user vector.
 *
 * <p>Vectors are stored row-major in one {@code float[]} per side: the vector of user {@code u} is
 * {@code userFactors[u * dim .. (u + 1) * dim)}. The model also keeps the user and item id maps and
 * the item catalogue, so that it can be served on its own. {@link #save} writes it to a folder as a
 * safetensors file plus a JSON header, which {@link #load} validates.
 *
 * <p>Instances are immutable and thread-safe. The buffers returned by {@link #userFactors()} and
 * friends are read-only views of the model's arrays, not copies.
 */
public final class FactorModel implements RatingPredictor, ItemScorer {
    private final ModelType type;
    private final int dim;
    private final IdMap users;
    private final IdMap items;
    private final List<ItemInfo> catalogue; // null: ids only
    private final List<String> genres;
    private final float[] userFactors;
    private final float[] itemFactors;
    private final float[] userBias;
    private final float[] itemBias;
    private final float globalBias;
    private final float minRating;
    private final float maxRating;
    private final Map<String, String> properties;
    // YᵀY of the item vectors, computed on the first implicit fold-in; racy but idempotent.
    private volatile double[] gram;

    /**
     * Creates a model from its parts; the arrays are copied.
     *
     * @param type the model type
     * @param dim the vector length
     * @param users the user ids
     * @param items the item ids
     * @param catalogue the item metadata in item order, or {@code null} for ids only
     * @param genres the genre vocabulary (may be empty)
     * @param userFactors {@code users.size() * dim} floats, row-major
     * @param itemFactors {@code items.size() * dim} floats, row-major
     * @param userBias {@code users.size()} floats
     * @param itemBias {@code items.size()} floats
     * @param globalBias the global bias
     * @param minRating the smallest rating of the training data ({@code NaN} if not explicit)
     * @param maxRating the largest rating of the training data ({@code NaN} if not explicit)
     * @param properties free-form facts kept with the model (hyperparameters, data summary)
     * @throws IllegalArgumentException if an array has the wrong length or a value is not finite
     */
    public FactorModel(
            ModelType type,
            int dim,
            IdMap users,
            IdMap items,
            List<ItemInfo> catalogue,
            List<String> genres,
            float[] userFactors,
            float[] itemFactors,
            float[] userBias,
            float[] itemBias,
            float globalBias,
            float minRating,
            float maxRating,
            Map<String, String> properties) {
        this(
                type,
                dim,
                users,
                items,
                catalogue == null ? null : List.copyOf(catalogue),
                genres,
                userFactors.clone(),
                itemFactors.clone(),
                userBias.clone(),
                itemBias.clone(),
                globalBias,
                minRating,
                maxRating,
                properties,
                true);
    }

    /** Takes ownership of the arrays (no copies); used by the trainer and the loader. */
    FactorModel(
            ModelType type,
            int dim,
            IdMap users,
            IdMap items,
            List<ItemInfo> catalogue,
            List<String> genres,
            float[] userFactors,
            float[] itemFactors,
            float[] userBias,
            float[] itemBias,
            float globalBias,
            float minRating,
            float maxRating,
            Map<String, String> properties,
            boolean owned) {
        this.type = Objects.requireNonNull(type, "type");
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1, was " + dim);
        }
        this.dim = dim;
        this.users = Objects.requireNonNull(users, "users");
        this.items = Objects.requireNonNull(items, "items");
        if (catalogue != null && catalogue.size() != items.size()) {
            throw new IllegalArgumentException(
                    "catalogue has " + catalogue.size() + " items, expected " + items.size());
        }
        this.catalogue = catalogue;
        this.genres = List.copyOf(genres);
        checkLength("userFactors", userFactors, (long) users.size() * dim);
        checkLength("itemFactors", itemFactors, (long) items.size() * dim);
        checkLength("userBias", userBias, users.size());
        checkLength("itemBias", itemBias, items.size());
        if (!Float.isFinite(globalBias)) {
            throw new IllegalArgumentException("globalBias must be finite, was " + globalBias);
        }
        this.userFactors = userFactors;
        this.itemFactors = itemFactors;
        this.userBias = userBias;
        this.itemBias = itemBias;
        this.globalBias = globalBias;
        this.minRating = minRating;
        this.maxRating = maxRating;
        this.properties = java.util.Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    private static void checkLength(String name, float[] array, long expected) {
        Objects.requireNonNull(array, name);
        if (array.length != expected) {
            throw new IllegalArgumentException(
                    name + " has " + array.length + " floats, expected " + expected);
        }
        for (int i = 0; i < array.length; i++) {
            if (!Float.isFinite(array[i])) {
                throw new IllegalArgumentException(
                        name + "[" + i + "] is " + array[i] + "; every value must be finite");
            }
        }
    }

    /** Returns the model type. */
    public ModelType type() {
        return type;
    }

    /** Returns the vector length. */
    public int dim() {
        return dim;
    }

    /** Returns the number of users. */
    public int numUsers() {
        return users.size();
    }

    @Override
    public int numItems() {
        return items.size();
    }

    /** Returns the user id map. */
    public IdMap users() {
        return users;
    }

    /** Returns the item id map. */
    public IdMap items() {
        return items;
    }

    /** Returns the genre vocabulary (empty if the training data had none). */
    public List<String> genres() {
        return genres;
    }

    /** Returns whether the model has item titles and genres (not only ids). */
    public boolean hasItemMetadata() {
        return catalogue != null;
    }

    /**
     * Returns the metadata of item {@code item}; without metadata the title is the id.
     *
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public ItemInfo itemInfo(int item) {
        Objects.checkIndex(item, items.size());
        return catalogue == null ? ItemInfo.bare(items.id(item)) : catalogue.get(item);
    }

    /** Returns the catalogue in item order, as an unmodifiable list. */
    public List<ItemInfo> catalogue() {
        return new AbstractList<>() {
            @Override
            public ItemInfo get(int i) {
                return itemInfo(i);
            }

            @Override
            public int size() {
                return items.size();
            }
        };
    }

    /** Returns the user vectors, row-major ({@code numUsers() * dim()} floats), read-only. */
    public FloatBuffer userFactors() {
        return FloatBuffer.wrap(userFactors).asReadOnlyBuffer();
    }

    /** Returns the item vectors, row-major ({@code numItems() * dim()} floats), read-only. */
    public FloatBuffer itemFactors() {
        return FloatBuffer.wrap(itemFactors).asReadOnlyBuffer();
    }

    /** Returns the user biases ({@code numUsers()} floats), read-only. */
    public FloatBuffer userBiases() {
        return FloatBuffer.wrap(userBias).asReadOnlyBuffer();
    }

    /** Returns the item biases ({@code numItems()} floats), read-only. */
    public FloatBuffer itemBiases() {
        return FloatBuffer.wrap(itemBias).asReadOnlyBuffer();
    }

    /** Returns a copy of user {@code user}'s vector. */
    public float[] userVector(int user) {
        Objects.checkIndex(user, users.size());
        return java.util.Arrays.copyOfRange(userFactors, user * dim, (user + 1) * dim);
    }

    /** Returns a copy of item {@code item}'s vector. */
    public float[] itemVector(int item) {
        Objects.checkIndex(item, items.size());
        return java.util.Arrays.copyOfRange(itemFactors, item * dim, (item + 1) * dim);
    }

    /** Returns the bias of user {@code user}. */
    public float userBias(int user) {
        return userBias[user];
    }

    /** Returns the bias of item {@code item}. */
    public float itemBias(int item) {
        return itemBias[item];
    }

    /** Returns the global bias (the training mean for rating models, else 0). */
    public float globalBias() {
        return globalBias;
    }

    /** Returns the facts kept with the model: hyperparameters, data summary, training result. */
    public Map<String, String> properties() {
        return properties;
    }

    /**
     * Returns {@code globalBias + userBias[u] + itemBias[i] + dot(p_u, q_i)}, unclipped.
     *
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    public float score(int user, int item) {
        Objects.checkIndex(user, users.size());
        Objects.checkIndex(item, items.size());
        return globalBias + userBias[user] + itemBias[item] + dot(user * dim, item * dim);
    }

    /**
     * Returns the predicted rating: the score clipped to the training rating range. For ranking
     * models ({@link ModelType#predictsRatings()} false) the unclipped score.
     */
    @Override
    public float predictRating(int user, int item) {
        float s = score(user, item);
        if (type.predictsRatings() && !Float.isNaN(minRating)) {
            s = Math.max(minRating, Math.min(maxRating, s));
        }
        return s;
    }

    @Override
    public void scoreAll(int user, float[] scores) {
        Objects.checkIndex(user, users.size());
        int n = items.size();
        if (scores.length != n) {
            throw new IllegalArgumentException(
                    "scores has length " + scores.length + ", expected " + n);
        }
        float base = globalBias + userBias[user];
        int pu = user * dim;
        for (int i = 0; i < n; i++) {
            scores[i] = base + itemBias[i] + dot(pu, i * dim);
        }
    }

    @Override
    public void scoreItems(int user, int[] itemIndices, float[] scores) {
        for (int k = 0; k < itemIndices.length; k++) {
            scores[k] = score(user, itemIndices[k]);
        }
    }

    private float dot(int pu, int qi) {
        float s = 0;
        for (int f = 0; f < dim; f++) {
            s += userFactors[pu + f] * itemFactors[qi + f];
        }
        return s;
    }

    /**
     * Returns the vector of a user the model was not trained on (a visitor, or a known user with
     * newer interactions) from the items they interacted with, solved at request time against the
     * fixed item vectors, so that {@code dot(vector, itemVector(i)) + itemBias(i) + globalBias()}
     * scores item {@code i} for them:
     *
     * <ul>
     *   <li>{@link ModelType#EASE}: the interaction row itself (EASE folds in by construction).
     *   <li>{@link ModelType#IALS}, {@link ModelType#BPR_MF}, {@link ModelType#TWO_TOWER}: the
     *       implicit-ALS user solve, exactly (Cholesky): {@code (YᵀY + λI + α sum_{i in I} y_i
     *       y_iᵀ) x = (1 + α) sum_{i in I} y_i}; iALS uses its own λ and α, the other two α = 5 and
     *       λ = 0.1 x the mean diagonal of {@code YᵀY}, a penalty on the scale of their vectors.
     *   <li>{@link ModelType#BIASED_MF}, {@link ModelType#SVDPP}: ridge regression of the items'
     *       residuals to the top rating, {@code (sum y_i y_iᵀ + λ|I| I) x = sum (max - mu - b_i)
     *       y_i}, with the model's per-example {@code l2}; so the visitor is someone who rated
     *       those items highly.
     * </ul>
     *
     * @param items distinct item indices, at least one
     * @throws IllegalArgumentException if {@code items} is empty
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    public float[] foldIn(int[] items) {
        if (items.length == 0) {
            throw new IllegalArgumentException("fold-in needs at least one item");
        }
        for (int i : items) {
            Objects.checkIndex(i, this.items.size());
        }
        if (type == ModelType.EASE) {
            float[] row = new float[dim];
            for (int i : items) {
                row[i] = 1f;
            }
            return row;
        }
        double[] a;
        double[] b = new double[dim];
        if (type.predictsRatings()) {
            double lambda = number("l2", 0.1) * items.length;
            a = new double[dim * dim];
            for (int i : items) {
                double target = (Float.isNaN(maxRating) ? 1 : maxRating) - globalBias - itemBias[i];
                addOuter(a, i, 1.0);
                for (int f = 0; f < dim; f++) {
                    b[f] += target * itemFactors[i * dim + f];
                }
            }
            for (int f = 0; f < dim; f++) {
                a[f * dim + f] += lambda;
            }
        } else {
            double[] g = gram();
            a = g.clone();
            double alpha;
            double lambda;
            if (type == ModelType.IALS) {
                alpha = number("alpha", 5);
                lambda = number("l2", 50);
            } else {
                alpha = 5;
                double trace = 0;
                for (int f = 0; f < dim; f++) {
                    trace += g[f * dim + f];
                }
                lambda = Math.max(1e-6, 0.1 * trace / dim);
            }
            for (int i : items) {
                addOuter(a, i, alpha);
                for (int f = 0; f < dim; f++) {
                    b[f] += (1 + alpha) * itemFactors[i * dim + f];
                }
            }
            for (int f = 0; f < dim; f++) {
                a[f * dim + f] += lambda;
            }
        }
        Dense.solve(Dense.cholesky(a, dim), dim, b);
        float[] v = new float[dim];
        for (int f = 0; f < dim; f++) {
            v[f] = (float) b[f];
        }
        return v;
    }

    private void addOuter(double[] a, int item, double weight) {
        int q = item * dim;
        for (int x = 0; x < dim; x++) {
            double wx = weight * itemFactors[q + x];
            for (int y = 0; y < dim; y++) {
                a[x * dim + y] += wx * itemFactors[q + y];
            }
        }
    }

    private double number(String property, double fallback) {
        try {
            return Double.parseDouble(properties.getOrDefault(property, "x"));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private double[] gram() {
        double[] g = gram;
        if (g == null) {
            g = Dense.gram(itemFactors, items.size(), dim);
            gram = g;
        }
        return g;
    }

    /**
     * Returns this model as an evaluation candidate: judged on rating accuracy and ranking when it
     * predicts ratings, on ranking only otherwise.
     */
    public Candidate asCandidate(String name) {
        return type.predictsRatings() ? Candidate.both(name, this) : Candidate.ranking(name, this);
    }

    /**
     * Writes the model into {@code dir} (created if needed): {@code factor-model.json} (the header:
     * type, sizes, biases, size and CRC-32 of every data file, properties), {@code
     * factors.safetensors} (the tensors {@code user_factors} {@code [users, dim]}, {@code
     * item_factors} {@code [items, dim]}, {@code user_bias} {@code [users]} and {@code item_bias}
     * {@code [items]}, all {@code F32}, in the standard safetensors layout that Python's {@code
     * safetensors} and DJL read), {@code users.txt} and {@code items.tsv} (ids and catalogue,
     * UTF-8; omitted when the ids are simply {@code 1..n} and there is no catalogue). Each file is
     * written to a temporary name and renamed, and the header comes last, so a reader never sees a
     * header that describes files not yet complete. Factor files of the earlier format in {@code
     * dir} are removed.
     *
     * @throws UncheckedIOException if a file cannot be written
     */
    public void save(Path dir) {
        FactorModelFiles.save(this, dir, FactorEncoder.FLOAT32);
    }

    /**
     * Writes the model like {@link #save(Path)}, storing each tensor of {@code factors.safetensors}
     * as {@code encoder} chooses (half precision, 8-bit codes with scales; see {@link
     * StoredTensor}). {@link #load} decodes them back to floats.
     *
     * @throws IllegalArgumentException if the encoder's output does not fit a tensor (nothing is
     *     written then)
     * @throws UncheckedIOException if a file cannot be written
     */
    public void save(Path dir, FactorEncoder encoder) {
        FactorModelFiles.save(this, dir, java.util.Objects.requireNonNull(encoder, "encoder"));
    }

    /**
     * Reads a model written by {@link #save}, or by earlier versions that kept the factors in raw
     * little-endian float32 files ({@code user_factors.f32}, ...; {@link #factorsFormat} tells
     * which). Checks the header, the layout and size of the factor data against the sizes in the
     * header, each file's CRC-32, and the id and catalogue files.
     *
     * @throws MalformedModelException if a file is missing, truncated, corrupt or inconsistent with
     *     the header; the message names the file and what was expected
     */
    public static FactorModel load(Path dir) {
        return FactorModelFiles.load(dir);
    }

    /**
     * Returns how the model saved in {@code dir} stores its factors: {@code "safetensors"} (written
     * by this version) or {@code "f32"} (raw float32 files of earlier versions).
     *
     * @throws MalformedModelException if {@code dir} holds no readable {@code factor-model.json}
     */
    public static String factorsFormat(Path dir) {
        return FactorModelFiles.factorsFormat(dir);
    }

    /** Returns a model sharing this one's arrays, with {@code properties} instead of its own. */
    FactorModel withProperties(Map<String, String> newProperties) {
        return new FactorModel(
                type,
                dim,
                users,
                items,
                catalogue,
                genres,
                userFactors,
                itemFactors,
                userBias,
                itemBias,
                globalBias,
                minRating,
                maxRating,
                newProperties,
                true);
    }

    // Package-private raw access for the file codec and the trainer.
    float[] rawUserFactors() {
        return userFactors;
    }

    float[] rawItemFactors() {
        return itemFactors;
    }

    float[] rawUserBias() {
        return userBias;
    }

    float[] rawItemBias() {
        return itemBias;
    }

    List<ItemInfo> rawCatalogue() {
        return catalogue;
    }

    /** Returns the smallest rating of the training data ({@code NaN} if not explicit). */
    public float minRating() {
        return minRating;
    }

    /** Returns the largest rating of the training data ({@code NaN} if not explicit). */
    public float maxRating() {
        return maxRating;
    }

    @Override
    public String toString() {
        return "FactorModel["
                + type
                + ", dim="
                + dim
                + ", users="
                + users.size()
                + ", items="
                + items.size()
                + "]";
    }
}
