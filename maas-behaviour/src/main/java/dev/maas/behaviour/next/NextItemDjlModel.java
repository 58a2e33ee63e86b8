package dev.maas.behaviour.next;

import ai.djl.BaseModel;
import ai.djl.engine.Engine;
import dev.maas.engine.xgboost.XGBoostBackend;
import java.nio.file.Path;
import java.util.Map;

/**
 * The DJL face of a loaded next-item model: a {@link NextItemBlock} and a manager of the plain-heap
 * engine that ships with {@code maas-engine-xgboost} (Java arrays, no natives). Translators reach
 * the {@link NextItemModel} of the version they run on through {@link #model()}. Loading goes
 * through {@link NextItemBackend}, never through DJL's {@code load}.
 */
final class NextItemDjlModel extends BaseModel {
    private final NextItemModel model;

    NextItemDjlModel(String name, String ref, NextItemModel model) {
        super(name);
        this.model = model;
        this.manager = Engine.getEngine(XGBoostBackend.ENGINE).newBaseManager();
        this.block = new NextItemBlock(ref, model);
    }

    /** Returns the model this version serves. */
    NextItemModel model() {
        return model;
    }

    @Override
    public void load(Path modelPath, String prefix, Map<String, ?> options) {
        throw new UnsupportedOperationException(
                "next-item models are loaded by maas's next-item backend, not by DJL");
    }
}
