package dev.maas.behaviour.next;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.maas.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The forward pass of a served next-item model: one int32 input {@code (rows, window)}, each row a
 * history's latest item indices, oldest first, left-padded with {@value #PAD}; one float32 output
 * {@code (rows, items)}, every item's score as the next one ({@link NextItemModel#scores}). Rows
 * are independent, so the batcher may concatenate calls. Thread-safe.
 */
final class NextItemBlock extends AbstractBlock {
    /** The index that pads a row shorter than the window. */
    static final int PAD = -1;

    private final String ref;
    private final NextItemModel model;

    NextItemBlock(String ref, NextItemModel model) {
        this.ref = ref;
        this.model = model;
    }

    /**
     * Returns the last {@code window} indices of {@code history}, left-padded with {@link #PAD}.
     */
    static int[] encode(int[] history, int window) {
        int[] row = new int[window];
        Arrays.fill(row, PAD);
        int n = Math.min(window, history.length);
        System.arraycopy(history, history.length - n, row, window - n, n);
        return row;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        int window = model.window();
        NDArray x = inputs.size() == 1 ? inputs.get(0) : null;
        if (x == null
                || x.getDataType() != DataType.INT32
                || x.getShape().dimension() != 2
                || x.getShape().get(1) != window) {
            throw new InvalidInputException(
                    "next-item model "
                            + ref
                            + " takes one int32 (rows, "
                            + window
                            + ") array of item indices left-padded with "
                            + PAD
                            + ", got "
                            + (x == null
                                    ? inputs.size() + " arrays"
                                    : x.getDataType().name().toLowerCase(Locale.ROOT)
                                            + " "
                                            + x.getShape()));
        }
        int rows = Math.toIntExact(x.getShape().get(0));
        int[] data = x.toIntArray();
        int items = model.numItems();
        float[] out = new float[rows * items];
        float[] scores = new float[items];
        for (int r = 0; r < rows; r++) {
            model.scores(history(data, r, window), scores);
            System.arraycopy(scores, 0, out, r * items, items);
        }
        return new NDList(x.getManager().create(out, new Shape(rows, items)));
    }

    /**
     * Row {@code r} without its padding; rejects padding after an item and indices out of range.
     */
    private int[] history(int[] data, int r, int window) {
        int start = r * window;
        int first = start;
        while (first < start + window && data[first] == PAD) {
            first++;
        }
        if (first == start + window) {
            throw new InvalidInputException(
                    "next-item model "
                            + ref
                            + ": row "
                            + r
                            + " is all padding; the history is"
                            + " empty");
        }
        int[] h = Arrays.copyOfRange(data, first, start + window);
        for (int i = 0; i < h.length; i++) {
            if (h[i] < 0 || h[i] >= model.numItems()) {
                throw new InvalidInputException(
                        "next-item model "
                                + ref
                                + ": row "
                                + r
                                + " holds item index "
                                + h[i]
                                + (h[i] == PAD
                                        ? " (padding) after an item; padding goes on the left"
                                        : ", out of range [0, " + model.numItems() + ")"));
            }
        }
        return h;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), model.numItems())};
    }
}
