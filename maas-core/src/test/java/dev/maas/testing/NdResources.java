package dev.maas.testing;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Counts what an {@link NDManager} holds, to detect leaks: arrays and sub-managers, through the
 * whole tree below it. DJL keeps that bookkeeping in {@code BaseNDManager}'s protected {@code
 * resources} map (what {@code NDManager#debugDump} prints); this helper reads it instead of
 * printing. Thread-safe.
 */
public final class NdResources {
    private static final Field RESOURCES;

    static {
        try {
            RESOURCES = BaseNDManager.class.getDeclaredField("resources");
            RESOURCES.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NdResources() {}

    /**
     * Returns the number of resources (arrays, sub-managers, other) in the tree under {@code
     * manager}.
     */
    public static int count(NDManager manager) {
        if (!(manager instanceof BaseNDManager base)) {
            return manager.getManagedArrays().size();
        }
        Map<?, ?> resources;
        try {
            resources = (Map<?, ?>) RESOURCES.get(base);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        int n = 0;
        for (Object r : resources.values()) {
            n++;
            if (r instanceof NDManager sub) {
                n += count(sub);
            }
        }
        return n;
    }
}
