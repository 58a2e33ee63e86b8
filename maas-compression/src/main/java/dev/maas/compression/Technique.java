package dev.maas.compression;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A compression technique and its settings. Settings are checked when a technique is made (a
 * sparsity outside {@code [0, 1)}, a rank below 1); what depends on the model (a rank larger than a
 * layer, a layer type a technique cannot handle) is checked when it is applied, before anything is
 * written or published. Immutable and thread-safe.
 */
public sealed interface Technique {
    /** Returns the technique's name in reports: {@code quantize}, {@code prune}, ... */
    String name();

    /** Returns the settings as they go into reports and cards. */
    Map<String, String> settings();

    /** Post-training quantization with {@code quantization}. */
    record Quantize(Quantization quantization) implements Technique {
        /** Checks the argument. */
        public Quantize {
            Objects.requireNonNull(quantization, "quantization");
        }

        @Override
        public String name() {
            return "quantize";
        }

        @Override
        public Map<String, String> settings() {
            return quantization.settings();
        }
    }

    /**
     * Magnitude pruning to {@code sparsity}: unstructured (the smallest weights are set to zero and
     * stored compactly) or structured (whole neurons or factors with the smallest norms are
     * removed, so the layer shrinks), followed by {@code fineTuneEpochs} epochs of training where
     * the model can be trained.
     *
     * @param sparsity the share of weights (unstructured) or of neurons/factors (structured) to
     *     remove, in {@code [0, 1)}
     * @param structured whether whole neurons/factors are removed
     * @param fineTuneEpochs epochs of fine-tuning after pruning; 0 for none
     */
    record Prune(double sparsity, boolean structured, int fineTuneEpochs) implements Technique {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if the sparsity is outside {@code [0, 1)} or the epochs
         *     negative
         */
        public Prune {
            if (!(sparsity >= 0 && sparsity < 1)) {
                throw new IllegalArgumentException(
                        "prune setting 'sparsity' must be in [0, 1), was " + sparsity);
            }
            if (fineTuneEpochs < 0) {
                throw new IllegalArgumentException(
                        "prune setting 'fineTuneEpochs' must be >= 0, was " + fineTuneEpochs);
            }
        }

        @Override
        public String name() {
            return "prune";
        }

        @Override
        public Map<String, String> settings() {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("sparsity", Double.toString(sparsity));
            s.put("structured", Boolean.toString(structured));
            s.put("fineTuneEpochs", Integer.toString(fineTuneEpochs));
            return s;
        }
    }

    /**
     * Low-rank factorisation by truncated SVD, to a fixed {@code rank}, or (rank 0) to the smallest
     * rank that keeps {@code energy} of the squared singular values.
     *
     * @param rank the target rank, or 0 to choose by energy
     * @param energy the share of energy to keep when {@code rank} is 0, in {@code (0, 1]}
     */
    record LowRank(int rank, double energy) implements Technique {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if the rank is negative, or 0 with an energy outside
         *     {@code (0, 1]}
         */
        public LowRank {
            if (rank < 0) {
                throw new IllegalArgumentException(
                        "low-rank setting 'rank' must be >= 1, was " + rank);
            }
            if (rank == 0 && !(energy > 0 && energy <= 1)) {
                throw new IllegalArgumentException(
                        "low-rank setting 'energy' must be in (0, 1], was " + energy);
            }
        }

        @Override
        public String name() {
            return "low-rank";
        }

        @Override
        public Map<String, String> settings() {
            Map<String, String> s = new LinkedHashMap<>();
            if (rank > 0) {
                s.put("rank", Integer.toString(rank));
            } else {
                s.put("energy", Double.toString(energy));
            }
            return s;
        }
    }

    /**
     * Distillation into a student with {@code factors} factors, fitted to the teacher's scores with
     * the objective {@code ½‖θ‖² + λ Σ (teacher(u, i) − student(u, i))²}, written here with the
     * regulariser as {@code l2} ({@code = 1 / (2λ)} per observation, scaled as the trainer's L2).
     *
     * @param factors the student's vector length
     * @param epochs passes over the teacher's examples
     * @param l2 weight of the parameter norm
     * @param seed the random seed
     */
    record Distill(int factors, int epochs, float l2, long seed) implements Technique {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if a setting is out of range
         */
        public Distill {
            if (factors < 1) {
                throw new IllegalArgumentException(
                        "distill setting 'factors' must be >= 1, was " + factors);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException(
                        "distill setting 'epochs' must be >= 1, was " + epochs);
            }
            if (!(l2 >= 0) || !Float.isFinite(l2)) {
                throw new IllegalArgumentException(
                        "distill setting 'l2' must be finite and >= 0, was " + l2);
            }
        }

        @Override
        public String name() {
            return "distill";
        }

        @Override
        public Map<String, String> settings() {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("factors", Integer.toString(factors));
            s.put("epochs", Integer.toString(epochs));
            s.put("l2", Float.toString(l2));
            s.put("seed", Long.toString(seed));
            return s;
        }
    }

    /** Returns symmetric per-row int8 quantization. */
    static Technique int8() {
        return new Quantize(Quantization.int8Symmetric(true));
    }

    /** Returns float16 storage. */
    static Technique float16() {
        return new Quantize(Quantization.float16());
    }

    /**
     * Returns unstructured magnitude pruning to {@code sparsity} with no fine-tuning.
     *
     * @throws IllegalArgumentException if the sparsity is outside {@code [0, 1)}
     */
    static Technique prune(double sparsity) {
        return new Prune(sparsity, false, 0);
    }

    /**
     * Returns truncated SVD to {@code rank}.
     *
     * @throws IllegalArgumentException if the rank is below 1
     */
    static Technique lowRank(int rank) {
        if (rank < 1) {
            throw new IllegalArgumentException("low-rank setting 'rank' must be >= 1, was " + rank);
        }
        return new LowRank(rank, 1);
    }

    /**
     * Returns distillation into {@code factors} factors with default training settings (20 epochs,
     * l2 0.02, seed 42).
     *
     * @throws IllegalArgumentException if {@code factors < 1}
     */
    static Technique distill(int factors) {
        return new Distill(factors, 20, 0.02f, 42);
    }

    /** Returns a short description, such as {@code quantize(scheme=int8-symmetric-per-row)}. */
    static String describe(Technique t) {
        StringBuilder b = new StringBuilder(t.name()).append('(');
        t.settings()
                .forEach(
                        (k, v) ->
                                b.append(b.charAt(b.length() - 1) == '(' ? "" : ", ")
                                        .append(k)
                                        .append('=')
                                        .append(v));
        return b.append(')').toString().toLowerCase(Locale.ROOT);
    }
}
