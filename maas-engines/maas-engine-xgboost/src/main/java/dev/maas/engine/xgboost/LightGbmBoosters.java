package dev.maas.engine.xgboost;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import com.microsoft.ml.lightgbm.lightgbmlibConstants;
import dev.maas.MaasException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * LightGBM boosters of one model file, one per concurrent call, each made on first need from the
 * model's text and reused afterwards, so that calls never share a native booster. Thread-safe;
 * {@link #close} frees the idle boosters and those given back later.
 */
final class LightGbmBoosters implements TreePredictor {
    private final String model;
    private final String text;
    private final ConcurrentLinkedQueue<SWIGTYPE_p_void> idle = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    LightGbmBoosters(String model, String text, SWIGTYPE_p_void first) {
        this.model = model;
        this.text = text;
        idle.add(first);
    }

    /**
     * Reads a booster from a model file's text.
     *
     * @throws MaasException with LightGBM's own message when it rejects the text
     */
    static SWIGTYPE_p_void load(String model, String text) {
        SWIGTYPE_p_p_void out = lightgbmlib.new_voidpp();
        SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
        try {
            check(
                    lightgbmlib.LGBM_BoosterLoadModelFromString(text, iterations, out),
                    "LightGBM cannot read model " + model);
            return lightgbmlib.voidpp_value(out);
        } finally {
            lightgbmlib.delete_intp(iterations);
            lightgbmlib.delete_voidpp(out);
        }
    }

    /** Returns the booster's feature count. */
    static int numFeatures(SWIGTYPE_p_void booster, String model) {
        SWIGTYPE_p_int n = lightgbmlib.new_intp();
        try {
            check(
                    lightgbmlib.LGBM_BoosterGetNumFeature(booster, n),
                    "LightGBM cannot read the feature count of model " + model);
            return lightgbmlib.intp_value(n);
        } finally {
            lightgbmlib.delete_intp(n);
        }
    }

    /** Returns the number of values the booster predicts for one row. */
    static int outputsPerRow(SWIGTYPE_p_void booster, String model) {
        SWIGTYPE_p_long_long n = lightgbmlib.new_int64_tp();
        try {
            check(
                    lightgbmlib.LGBM_BoosterCalcNumPredict(
                            booster, 1, lightgbmlibConstants.C_API_PREDICT_NORMAL, 0, -1, n),
                    "LightGBM cannot tell the output width of model " + model);
            return Math.toIntExact(lightgbmlib.int64_tp_value(n));
        } finally {
            lightgbmlib.delete_int64_tp(n);
        }
    }

    static void free(SWIGTYPE_p_void booster) {
        lightgbmlib.LGBM_BoosterFree(booster);
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new MaasException(what + ": " + lightgbmlib.LGBM_GetLastError());
        }
    }

    @Override
    public float[] predict(float[] data, int rows, int features, int outputs) {
        int n = rows * features;
        int m = rows * outputs;
        SWIGTYPE_p_float in = lightgbmlib.new_floatArray(n);
        SWIGTYPE_p_double res = lightgbmlib.new_doubleArray(m);
        SWIGTYPE_p_long_long len = lightgbmlib.new_int64_tp();
        SWIGTYPE_p_void booster = borrow();
        try {
            for (int i = 0; i < n; i++) {
                lightgbmlib.floatArray_setitem(in, i, data[i]);
            }
            check(
                    lightgbmlib.LGBM_BoosterPredictForMat(
                            booster,
                            lightgbmlib.float_to_voidp_ptr(in),
                            lightgbmlibConstants.C_API_DTYPE_FLOAT32,
                            rows,
                            features,
                            1,
                            lightgbmlibConstants.C_API_PREDICT_NORMAL,
                            0,
                            -1,
                            "",
                            len,
                            res),
                    "LightGBM failed on model " + model);
            long got = lightgbmlib.int64_tp_value(len);
            if (got != m) {
                throw new MaasException(
                        "LightGBM predicted "
                                + got
                                + " values for model "
                                + model
                                + ", expected "
                                + m);
            }
            float[] out = new float[m];
            for (int i = 0; i < m; i++) {
                out[i] = (float) lightgbmlib.doubleArray_getitem(res, i);
            }
            return out;
        } finally {
            giveBack(booster);
            lightgbmlib.delete_int64_tp(len);
            lightgbmlib.delete_doubleArray(res);
            lightgbmlib.delete_floatArray(in);
        }
    }

    private SWIGTYPE_p_void borrow() {
        if (closed.get()) {
            throw new IllegalStateException("tree model " + model + " is closed");
        }
        SWIGTYPE_p_void b = idle.poll();
        return b != null ? b : load(model, text);
    }

    private void giveBack(SWIGTYPE_p_void booster) {
        idle.add(booster);
        if (closed.get()) {
            drain();
        }
    }

    private void drain() {
        for (SWIGTYPE_p_void b; (b = idle.poll()) != null; ) {
            free(b);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            drain();
        }
    }
}
