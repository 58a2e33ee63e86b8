package dev.maas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The serving settings of one model version: the service's {@link ServingOptions} overridden by the
 * card's properties, with the worker count and batching decided. Immutable.
 *
 * @param batching whether calls are batched
 * @param whyNotBatching when not batching, why (for logs); empty otherwise
 * @param maxBatchSize most rows per batch
 * @param maxDelayNanos longest wait for a batch to fill
 * @param queueCapacity most queued calls
 * @param workers worker threads, each with its own predictor
 * @param warmUp whether to warm up at load
 * @param warmUpSizes batch sizes used for warm-up, ascending
 * @param maxPredictors most predictors, the workers' included (never fewer than the workers)
 * @param handOffNanos run time below which a call is not worth a hand-off; 0 for never
 */
record ServingConfig(
        boolean batching,
        String whyNotBatching,
        int maxBatchSize,
        long maxDelayNanos,
        int queueCapacity,
        int workers,
        boolean warmUp,
        List<Integer> warmUpSizes,
        int maxPredictors,
        long handOffNanos) {

    /**
     * Resolves the settings for {@code card}.
     *
     * @param engine the engine options the model is loaded with (merged with the card's)
     * @param cores the processors available
     * @throws MalformedModelException if a card property holds a malformed value
     */
    static ServingConfig resolve(
            ModelCard card, ServingOptions defaults, EngineOptions engine, int cores) {
        Map<String, String> props = card.properties();
        int maxBatchSize =
                intProperty(card, ServingOptions.MAX_BATCH_SIZE, defaults.maxBatchSize(), 1);
        long delayNanos =
                durationProperty(
                        card,
                        ServingOptions.MAX_BATCH_DELAY_MILLIS,
                        defaults.maxBatchDelay(),
                        1e6,
                        "milliseconds");
        long handOffNanos =
                durationProperty(
                        card,
                        ServingOptions.HAND_OFF_COST_MICROS,
                        defaults.handOffCost(),
                        1e3,
                        "microseconds");
        int capacity =
                intProperty(card, ServingOptions.QUEUE_CAPACITY, defaults.queueCapacity(), 1);
        int workers = intProperty(card, ServingOptions.WORKERS, defaults.workers(), 0);
        if (workers == 0) {
            workers = defaultWorkers(engine, cores);
        }
        int maxPredictors =
                intProperty(card, ServingOptions.MAX_PREDICTORS, defaults.maxPredictors(), 0);
        if (maxPredictors == 0) {
            maxPredictors = 16 * Math.max(1, cores);
        }
        maxPredictors = Math.max(maxPredictors, workers);
        boolean warmUp = defaults.warmUp();
        String warm = props.get(ServingOptions.WARM_UP);
        if (warm != null) {
            warmUp = booleanProperty(card, ServingOptions.WARM_UP, warm);
        }

        String why = "";
        String batching = props.get(ServingOptions.BATCHING);
        if (batching != null && !booleanProperty(card, ServingOptions.BATCHING, batching)) {
            why = "card property " + ServingOptions.BATCHING + "=false";
        } else if (maxBatchSize == 1) {
            why = "maxBatchSize is 1";
        } else if (card.inputs().isEmpty()) {
            why = "the card declares no input signature";
        } else if (!hasBatchDimension(card.inputs())) {
            why = "an input of the signature has no -1 batch dimension: " + card.inputs();
        } else if (!card.outputs().isEmpty() && !hasBatchDimension(card.outputs())) {
            why = "an output of the signature has no -1 batch dimension: " + card.outputs();
        }
        boolean batch = why.isEmpty();

        TreeSet<Integer> sizes = new TreeSet<>();
        if (!batch) {
            sizes.add(1);
        } else if (!defaults.warmUpBatchSizes().isEmpty()) {
            for (int s : defaults.warmUpBatchSizes()) {
                sizes.add(Math.min(s, maxBatchSize));
            }
        } else {
            for (int s = 1; s < maxBatchSize; s *= 2) {
                sizes.add(s);
            }
            sizes.add(maxBatchSize);
        }
        return new ServingConfig(
                batch,
                why,
                maxBatchSize,
                delayNanos,
                capacity,
                workers,
                warmUp,
                List.copyOf(new ArrayList<>(sizes)),
                maxPredictors,
                handOffNanos);
    }

    /**
     * Returns the default worker count: {@code cores / intraOpThreads} when the engine's intra-op
     * threads are set, else two (one on a single core); see {@link ServingOptions}.
     */
    static int defaultWorkers(EngineOptions engine, int cores) {
        String intra = engine.options().get(EngineOptions.INTRA_OP_THREADS);
        if (intra != null) {
            try {
                int t = Integer.parseInt(intra.trim());
                if (t > 0) {
                    return Math.max(1, cores / t);
                }
            } catch (NumberFormatException e) {
                // Not ours to reject: the engine reports its own options. Fall through.
            }
        }
        return Math.max(1, Math.min(2, cores));
    }

    private static boolean hasBatchDimension(List<TensorSpec> specs) {
        for (TensorSpec s : specs) {
            if (s.shape().dimension() == 0 || s.shape().get(0) != -1) {
                return false;
            }
        }
        return true;
    }

    private static int intProperty(ModelCard card, String key, int fallback, int min) {
        String v = card.properties().get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw malformed(card, key, v, "an integer >= " + min);
        }
    }

    /** Reads a duration property given in {@code unit} nanoseconds, decimals allowed. */
    private static long durationProperty(
            ModelCard card, String key, java.time.Duration fallback, double unit, String unitName) {
        String v = card.properties().get(key);
        if (v == null) {
            return fallback.toNanos();
        }
        try {
            double n = Double.parseDouble(v.trim());
            if (!(n >= 0) || n * unit > ServingOptions.MAX_DELAY.toNanos()) {
                throw new NumberFormatException();
            }
            return Math.round(n * unit);
        } catch (NumberFormatException e) {
            throw malformed(card, key, v, unitName);
        }
    }

    private static boolean booleanProperty(ModelCard card, String key, String v) {
        String t = v.trim();
        if (t.equalsIgnoreCase("true")) {
            return true;
        }
        if (t.equalsIgnoreCase("false")) {
            return false;
        }
        throw malformed(card, key, v, "true or false");
    }

    private static MalformedModelException malformed(
            ModelCard card, String key, String value, String expected) {
        return new MalformedModelException(
                "card property "
                        + key
                        + " of model "
                        + card.ref()
                        + " is '"
                        + value
                        + "', expected "
                        + expected);
    }
}
