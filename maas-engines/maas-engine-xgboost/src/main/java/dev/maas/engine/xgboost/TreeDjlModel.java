package dev.maas.engine.xgboost;

import ai.djl.BaseModel;
import ai.djl.nn.Block;
import java.nio.file.Path;
import java.util.Map;

/**
 * The DJL face of a loaded tree model: a manager under the heap engine's root and the {@link
 * TreeBlock} that predicts. Loading goes through {@link XGBoostBackend} or {@link LightGbmBackend},
 * never through DJL's {@code load}.
 */
final class TreeDjlModel extends BaseModel {
    TreeDjlModel(String name, Block block) {
        super(name);
        this.manager = HeapNDManager.system().newSubManager();
        this.block = block;
    }

    @Override
    public void load(Path modelPath, String prefix, Map<String, ?> options) {
        throw new UnsupportedOperationException(
                "tree models are loaded by maas's XGBoost and LightGBM backends, not by DJL");
    }
}
