package dev.maas.engine.xgboost;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The DJL engine of tree models served by maas, named {@value XGBoostBackend#ENGINE}: its arrays
 * are plain heap buffers ({@link HeapNDManager}) and its models hold a {@link TreeBlock}. Callers
 * may build inputs with {@code NDManager.newBaseManager("XGBoost")} or with any other engine's
 * manager. Ranked last, so it never becomes DJL's default engine. Thread-safe.
 */
final class HeapEngine extends Engine {
    static final int RANK = 100;

    @Override
    public Engine getAlternativeEngine() {
        return null;
    }

    @Override
    public String getEngineName() {
        return XGBoostBackend.ENGINE;
    }

    @Override
    public int getRank() {
        return RANK;
    }

    @Override
    public String getVersion() {
        return XGBoostBackend.XGBOOST_VERSION;
    }

    @Override
    public boolean hasCapability(String capability) {
        return false;
    }

    @Override
    public Model newModel(String name, Device device) {
        return new TreeDjlModel(name, null);
    }

    @Override
    public NDManager newBaseManager() {
        return HeapNDManager.system().newSubManager();
    }

    @Override
    public NDManager newBaseManager(Device device) {
        return HeapNDManager.system().newSubManager(device);
    }
}
