package dev.maas;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How calls through one alias are spread over versions: a weighted split (a canary at 10%, say) and
 * an optional shadow version that receives a mirrored copy of calls, whose results are discarded
 * and only measured. Set with {@link ModelService#setTrafficSplit} and {@link
 * ModelService#setShadow}; read with {@link ModelService#trafficPolicy}. Immutable and thread-safe.
 *
 * @param weights each version's share of the calls, normalised to sum to 1, by version; empty when
 *     the alias alone decides
 * @param shadowVersion the version calls are mirrored to; 0 for none
 * @param shadowFraction the share of calls mirrored, in (0, 1]; 0 when there is no shadow
 */
public record TrafficPolicy(
        Map<Integer, Double> weights, int shadowVersion, double shadowFraction) {
    /** No split, no shadow. */
    static final TrafficPolicy NONE = new TrafficPolicy(Map.of(), 0, 0);

    /**
     * Validates the policy and normalises the weights.
     *
     * @throws IllegalArgumentException if a version is not positive, a weight is negative or not
     *     finite, the weights sum to zero, or the shadow settings are out of range
     */
    public TrafficPolicy {
        Objects.requireNonNull(weights, "weights");
        TreeMap<Integer, Double> sorted = new TreeMap<>();
        double sum = 0;
        for (Map.Entry<Integer, Double> e : weights.entrySet()) {
            Integer v = Objects.requireNonNull(e.getKey(), "version");
            Double w = Objects.requireNonNull(e.getValue(), "weight");
            if (v <= 0) {
                throw new IllegalArgumentException("versions must be >= 1, got " + weights);
            }
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(
                        "weights must be finite and >= 0, got " + weights);
            }
            if (w > 0) {
                sorted.put(v, w);
                sum += w;
            }
        }
        if (!weights.isEmpty() && sum == 0) {
            throw new IllegalArgumentException("weights must not all be zero, got " + weights);
        }
        for (Map.Entry<Integer, Double> e : sorted.entrySet()) {
            e.setValue(e.getValue() / sum);
        }
        weights = java.util.Collections.unmodifiableMap(sorted);
        if (shadowVersion < 0) {
            throw new IllegalArgumentException("shadowVersion must be >= 0, was " + shadowVersion);
        }
        if (shadowVersion == 0
                ? shadowFraction != 0
                : !(shadowFraction > 0 && shadowFraction <= 1)) {
            throw new IllegalArgumentException(
                    "shadowFraction must be in (0, 1] with a shadow version and 0 without, was "
                            + shadowFraction);
        }
    }

    /** Returns whether calls are split over versions. */
    public boolean isSplit() {
        return !weights.isEmpty();
    }

    /** Returns whether calls are mirrored to a shadow version. */
    public boolean hasShadow() {
        return shadowVersion != 0;
    }

    /**
     * Returns the version for a point {@code u} in [0, 1): versions own consecutive ranges of the
     * unit interval in ascending order, each as wide as its weight. Growing a later version's
     * weight moves only the points next to its range, so most keys keep their version when a
     * canary's share changes.
     */
    int pick(double u) {
        double acc = 0;
        int last = 0;
        for (Map.Entry<Integer, Double> e : weights.entrySet()) {
            acc += e.getValue();
            last = e.getKey();
            if (u < acc) {
                return last;
            }
        }
        return last;
    }

    TrafficPolicy withWeights(Map<Integer, Double> w) {
        return new TrafficPolicy(w, shadowVersion, shadowFraction);
    }

    TrafficPolicy withShadow(int version, double fraction) {
        return new TrafficPolicy(weights, version, fraction);
    }

    boolean isEmpty() {
        return !isSplit() && !hasShadow();
    }
}
