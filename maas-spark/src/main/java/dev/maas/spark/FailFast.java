package dev.maas.spark;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels a stage as soon as one of its tasks fails with an {@link ExecutorFailureException}, so
 * that Spark does not retry a task that cannot succeed. Installed once per {@link SparkContext} by
 * the jobs of this module; it runs on the driver's listener bus.
 */
final class FailFast extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(FailFast.class);
    private static final Set<SparkContext> INSTALLED =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final SparkContext context;

    private FailFast(SparkContext context) {
        this.context = context;
    }

    /** Installs the listener on {@code context} unless it already has it. */
    static void install(SparkContext context) {
        if (INSTALLED.add(context)) {
            context.addSparkListener(new FailFast(context));
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.reason() instanceof ExceptionFailure failure
                && ExecutorFailureException.class.getName().equals(failure.className())) {
            LOG.warn(
                    "Cancelling stage {}: a task failed in a way a retry cannot fix: {}",
                    end.stageId(),
                    failure.description());
            context.cancelStage(end.stageId(), "maas: " + failure.description());
        }
    }
}
