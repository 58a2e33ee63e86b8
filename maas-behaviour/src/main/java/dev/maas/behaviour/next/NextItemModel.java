package dev.maas.behaviour.next;

import dev.maas.InvalidInputException;
import dev.maas.recommend.ScoredItem;
import dev.maas.recommend.data.ItemInfo;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained next-item model: given a user's recent history (oldest first), scores every item as the
 * next one. The forward pass is the {@link AttentionBlock}'s, in plain Java over the trained
 * weights: one attention query over the last {@link #window()} items, a feed-forward layer and a
 * dot product with every item embedding, so one prediction costs {@code O(window * dim^2 + items *
 * dim)} and needs no native engine.
 *
 * <p>Immutable and thread-safe.
 */
public final class NextItemModel {
    private static final int MAGIC = 0x4E585431; // "NXT1"

    private final List<ItemInfo> items;
    private final Map<String, Integer> index;
    private final int window;
    private final int dim;
    private final int hidden;
    private final float[] itemEmb; // (items + 1) x dim, row 0 = padding
    private final float[] posEmb; // window x dim
    private final float[] wq;
    private final float[] wk;
    private final float[] wv;
    private final float[] w1; // dim x hidden
    private final float[] b1;
    private final float[] w2; // hidden x dim
    private final float[] b2;
    private final float[] itemBias; // items + 1

    NextItemModel(List<ItemInfo> items, int window, int dim, int hidden, float[][] weights) {
        this.items = List.copyOf(items);
        this.window = window;
        this.dim = dim;
        this.hidden = hidden;
        int n = items.size() + 1;
        this.itemEmb = check(weights[0], n * dim, "itemEmb");
        this.posEmb = check(weights[1], window * dim, "posEmb");
        this.wq = check(weights[2], dim * dim, "wq");
        this.wk = check(weights[3], dim * dim, "wk");
        this.wv = check(weights[4], dim * dim, "wv");
        this.w1 = check(weights[5], dim * hidden, "w1");
        this.b1 = check(weights[6], hidden, "b1");
        this.w2 = check(weights[7], hidden * dim, "w2");
        this.b2 = check(weights[8], dim, "b2");
        this.itemBias = check(weights[9], n, "itemBias");
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            idx.put(items.get(i).id(), i);
        }
        this.index = Map.copyOf(idx);
    }

    private static float[] check(float[] a, int n, String what) {
        if (a.length != n) {
            throw new IllegalArgumentException(
                    what + " has " + a.length + " values, expected " + n);
        }
        return a;
    }

    /** Returns the number of items. */
    public int numItems() {
        return items.size();
    }

    /** Returns item {@code i}'s metadata. */
    public ItemInfo item(int i) {
        return items.get(i);
    }

    /** Returns how many of the latest items the model looks at. */
    public int window() {
        return window;
    }

    /** Returns the embedding size. */
    public int dim() {
        return dim;
    }

    /** Returns the index of item {@code id}, or {@code -1} if the model does not know it. */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /**
     * Returns the item indices of a history given by id.
     *
     * @throws InvalidInputException if the history is empty or holds ids the model does not know
     *     (all of them are named, up to ten)
     */
    public int[] indices(List<String> history) {
        if (history.isEmpty()) {
            throw new InvalidInputException(
                    "the history is empty: next-item prediction needs at least one item the user"
                            + " interacted with (use popular items for users without history)");
        }
        int[] idx = new int[history.size()];
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            String id = history.get(i);
            idx[i] = id == null ? -1 : indexOf(id);
            if (idx[i] < 0) {
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidInputException(
                    unknown.size()
                            + " of "
                            + history.size()
                            + " history items are unknown to the model ("
                            + items.size()
                            + " items): "
                            + unknown.subList(0, Math.min(10, unknown.size()))
                            + (unknown.size() > 10 ? " ..." : ""));
        }
        return idx;
    }

    /**
     * Scores every item as the next of {@code history} (item indices, oldest first) into {@code
     * out} (length {@link #numItems()}).
     *
     * @throws IllegalArgumentException if the history is empty or holds an index out of range
     */
    public void scores(int[] history, float[] out) {
        if (history.length == 0) {
            throw new IllegalArgumentException("the history is empty");
        }
        int n = Math.min(window, history.length);
        float[] e = new float[window * dim];
        boolean[] pad = new boolean[window];
        for (int p = 0; p < window; p++) {
            int h = history.length - window + p; // left padding
            int item = h >= 0 ? history[h] : -1;
            if (h >= 0 && (item < 0 || item >= items.size())) {
                throw new IllegalArgumentException(
                        "item index " + item + " is out of range [0, " + items.size() + ")");
            }
            pad[p] = h < 0;
            int row = (item + 1) * dim;
            for (int j = 0; j < dim; j++) {
                e[p * dim + j] = itemEmb[row + j] + posEmb[p * dim + j];
            }
        }
        float[] last = Arrays.copyOfRange(e, (window - 1) * dim, window * dim);
        float[] q = vecMat(last, wq, dim, dim);
        float[] logits = new float[window];
        float max = Float.NEGATIVE_INFINITY;
        float scale = (float) (1 / Math.sqrt(dim));
        for (int p = window - n; p < window; p++) {
            float[] k = vecMat(Arrays.copyOfRange(e, p * dim, (p + 1) * dim), wk, dim, dim);
            logits[p] = dot(q, k) * scale;
            max = Math.max(max, logits[p]);
        }
        float[] h = last.clone();
        double sum = 0;
        float[] weight = new float[window];
        for (int p = window - n; p < window; p++) {
            weight[p] = (float) Math.exp(logits[p] - max);
            sum += weight[p];
        }
        for (int p = window - n; p < window; p++) {
            float[] v = vecMat(Arrays.copyOfRange(e, p * dim, (p + 1) * dim), wv, dim, dim);
            float a = (float) (weight[p] / sum);
            for (int j = 0; j < dim; j++) {
                h[j] += a * v[j];
            }
        }
        float[] f = vecMat(h, w1, dim, hidden);
        for (int j = 0; j < hidden; j++) {
            f[j] = Math.max(0, f[j] + b1[j]);
        }
        float[] g = vecMat(f, w2, hidden, dim);
        for (int j = 0; j < dim; j++) {
            h[j] += g[j] + b2[j];
        }
        for (int i = 0; i < items.size(); i++) {
            int row = (i + 1) * dim;
            float s = itemBias[i + 1];
            for (int j = 0; j < dim; j++) {
                s += h[j] * itemEmb[row + j];
            }
            out[i] = s;
        }
    }

    /**
     * Returns the {@code k} items most likely to come next after {@code history} (item ids, oldest
     * first), leaving out the items already in the history.
     *
     * @throws InvalidInputException if the history is empty or holds unknown items
     * @throws IllegalArgumentException if {@code k} is not positive
     */
    public List<ScoredItem> next(List<String> history, int k) {
        return next(indices(history), k);
    }

    /** As {@link #next(List, int)}, with item indices. */
    public List<ScoredItem> next(int[] history, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, was " + k);
        }
        float[] s = new float[items.size()];
        scores(history, s);
        return top(s, history, k);
    }

    /**
     * Returns the {@code k} best of {@code s} (the scores of every item, overwritten) without the
     * items of {@code history}, best first.
     */
    List<ScoredItem> top(float[] s, int[] history, int k) {
        for (int i : history) {
            s[i] = Float.NEGATIVE_INFINITY;
        }
        Integer[] order = new Integer[items.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Partial selection would be faster; the catalogue is small next to the forward pass.
        Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
        List<ScoredItem> out = new ArrayList<>(k);
        for (int r = 0; r < Math.min(k, order.length); r++) {
            if (s[order[r]] == Float.NEGATIVE_INFINITY) {
                break;
            }
            out.add(new ScoredItem(items.get(order[r]), s[order[r]]));
        }
        return out;
    }

    private static float[] vecMat(float[] x, float[] m, int rows, int cols) {
        float[] y = new float[cols];
        for (int r = 0; r < rows; r++) {
            float xr = x[r];
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                y[c] += xr * m[base + c];
            }
        }
        return y;
    }

    private static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Writes the model to {@code file}. */
    public void save(Path file) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(MAGIC);
            out.writeInt(items.size());
            out.writeInt(window);
            out.writeInt(dim);
            out.writeInt(hidden);
            for (ItemInfo i : items) {
                out.writeUTF(i.id());
                out.writeUTF(i.title());
                out.writeUTF(String.join("|", i.genres()));
            }
            for (float[] a : weights()) {
                out.writeInt(a.length);
                for (float v : a) {
                    out.writeFloat(v);
                }
            }
        }
    }

    /**
     * Reads a model written by {@link #save}.
     *
     * @throws IOException if the file cannot be read or is not such a model
     */
    public static NextItemModel load(Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a next-item model file");
            }
            int n = in.readInt();
            int window = in.readInt();
            int dim = in.readInt();
            int hidden = in.readInt();
            if (n <= 0 || window <= 0 || dim <= 0 || hidden <= 0 || n > 50_000_000) {
                throw new IOException(file + ": implausible header");
            }
            List<ItemInfo> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                String title = in.readUTF();
                String genres = in.readUTF();
                items.add(
                        new ItemInfo(
                                id,
                                title,
                                genres.isEmpty() ? List.of() : List.of(genres.split("\\|"))));
            }
            float[][] w = new float[10][];
            for (int a = 0; a < w.length; a++) {
                int len = in.readInt();
                if (len < 0 || len > 1_000_000_000) {
                    throw new IOException(file + ": implausible array length " + len);
                }
                w[a] = new float[len];
                for (int i = 0; i < len; i++) {
                    w[a][i] = in.readFloat();
                }
            }
            try {
                return new NextItemModel(items, window, dim, hidden, w);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }
    }

    private float[][] weights() {
        return new float[][] {itemEmb, posEmb, wq, wk, wv, w1, b1, w2, b2, itemBias};
    }
}
