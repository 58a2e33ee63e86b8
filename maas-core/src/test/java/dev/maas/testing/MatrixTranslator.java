package dev.maas.testing;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed DJL translator from a float matrix (a batch of rows) to the model's first output as a
 * float matrix, with no batchifier. Remembers the last model it ran for, so tests can inspect that
 * model's {@link ai.djl.ndarray.NDManager}. Thread-safe.
 */
public final class MatrixTranslator implements Translator<float[][], float[][]> {
    private volatile Model lastModel;
    private final AtomicInteger prepared = new AtomicInteger();

    @Override
    public void prepare(TranslatorContext ctx) {
        prepared.incrementAndGet();
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] input) {
        lastModel = ctx.getModel();
        return new NDList(ctx.getNDManager().create(input));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray y = list.get(0);
        return ReferenceMath.reshape(y.toFloatArray(), (int) y.getShape().get(0));
    }

    @Override
    public Batchifier getBatchifier() {
        return null;
    }

    /** Returns the model of the last call, or {@code null} before the first. */
    public Model lastModel() {
        return lastModel;
    }

    /** Returns how many times {@link #prepare} ran. */
    public int preparedCount() {
        return prepared.get();
    }
}
