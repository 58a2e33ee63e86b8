package dev.maas.engine.xgboost;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;

/** Registers {@link HeapEngine} with DJL; listed in {@code META-INF/services}. Thread-safe. */
public final class HeapEngineProvider implements EngineProvider {
    private static volatile Engine engine;

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public HeapEngineProvider() {}

    @Override
    public String getEngineName() {
        return XGBoostBackend.ENGINE;
    }

    @Override
    public int getEngineRank() {
        return HeapEngine.RANK;
    }

    @Override
    public Engine getEngine() {
        Engine e = engine;
        if (e == null) {
            synchronized (HeapEngineProvider.class) {
                e = engine;
                if (e == null) {
                    e = new HeapEngine();
                    engine = e;
                }
            }
        }
        return e;
    }
}
