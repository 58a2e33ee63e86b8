package dev.maas.recommend.train;

import java.util.Map;

/** A model trained in Java one epoch at a time (iALS, SVD++). Not thread-safe. */
interface IterativeSolver {
    /** Runs one epoch and returns its training loss per observed interaction. */
    double epoch();

    /** Returns the current parameters as a model. */
    FactorModel snapshot(Map<String, String> properties);
}
