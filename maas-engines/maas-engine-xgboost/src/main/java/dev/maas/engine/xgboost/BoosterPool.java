package dev.maas.engine.xgboost;

import dev.maas.MaasException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Boosters of one model file, one per concurrent call: XGBoost's JVM {@code Booster} keeps per-call
 * state, so concurrent callers never share one. A booster is made on first need from the model's
 * bytes and reused afterwards. Thread-safe; {@link #close} disposes the idle boosters and those
 * given back later.
 */
final class BoosterPool implements TreePredictor {
    private final String model;
    private final byte[] bytes;
    private final ConcurrentLinkedQueue<Booster> idle = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    BoosterPool(String model, byte[] bytes, Booster first) {
        this.model = model;
        this.bytes = bytes;
        idle.add(first);
    }

    Booster borrow() {
        if (closed.get()) {
            throw new IllegalStateException("tree model " + model + " is closed");
        }
        Booster b = idle.poll();
        return b != null ? b : load(model, bytes);
    }

    void giveBack(Booster booster) {
        idle.add(booster);
        if (closed.get()) {
            drain();
        }
    }

    @Override
    public float[] predict(float[] data, int rows, int features, int outputs) {
        float[] out = new float[rows * outputs];
        Booster booster = borrow();
        try {
            float[][] predicted = booster.inplace_predict(data, rows, features, Float.NaN);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(predicted[r], 0, out, r * outputs, outputs);
            }
            return out;
        } catch (XGBoostError e) {
            throw new MaasException("XGBoost failed on model " + model + ": " + e.getMessage(), e);
        } finally {
            giveBack(booster);
        }
    }

    static Booster load(String model, byte[] bytes) {
        try {
            return XGBoost.loadModel(bytes);
        } catch (XGBoostError | java.io.IOException e) {
            throw new MaasException(
                    "XGBoost cannot read model " + model + ": " + e.getMessage(), e);
        }
    }

    private void drain() {
        for (Booster b; (b = idle.poll()) != null; ) {
            b.dispose();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            drain();
        }
    }
}
