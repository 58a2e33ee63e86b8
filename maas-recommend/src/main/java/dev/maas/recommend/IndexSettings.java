package dev.maas.recommend;

import dev.maas.EngineOptions;
import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.Kernel;
import dev.maas.recommend.retrieval.Precision;
import java.util.Locale;
import java.util.Map;

/**
 * How a loaded recommender builds its item indexes, from the card's properties or else the
 * service's engine options: {@value #PRECISION} ({@code float32}, the default, or {@code int8}) and
 * {@value #KERNEL} ({@code auto}, the default, {@code scalar}, {@code vector} or {@code djl}).
 *
 * @param precision how item vectors are stored
 * @param kernel the scoring loop
 */
record IndexSettings(Precision precision, Kernel kernel) {
    /** Option key: {@code float32} or {@code int8}. */
    static final String PRECISION = "recommender.precision";

    /** Option key: {@code auto}, {@code scalar}, {@code vector} or {@code djl}. */
    static final String KERNEL = "recommender.kernel";

    static final IndexSettings DEFAULTS = new IndexSettings(Precision.FLOAT32, Kernel.AUTO);

    /**
     * Reads the settings from the card's properties, else from the service's engine options.
     *
     * @throws IllegalArgumentException naming the option and the accepted values
     */
    static IndexSettings from(EngineOptions options, Map<String, String> cardProperties) {
        Map<String, String> o = new java.util.HashMap<>(options.options());
        for (String key : new String[] {PRECISION, KERNEL}) {
            if (cardProperties.containsKey(key)) {
                o.put(key, cardProperties.get(key));
            }
        }
        return new IndexSettings(
                parse(o.get(PRECISION), Precision.class, Precision.FLOAT32, PRECISION),
                parse(o.get(KERNEL), Kernel.class, Kernel.AUTO, KERNEL));
    }

    private static <E extends Enum<E>> E parse(String value, Class<E> type, E dflt, String key) {
        if (value == null || value.isBlank()) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder accepted = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                accepted.append(accepted.length() == 0 ? "" : ", ")
                        .append(c.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(
                    "option " + key + " is '" + value + "', expected one of " + accepted);
        }
    }

    /** Builds an index with these settings. */
    EmbeddingIndex build(EmbeddingIndex.Builder builder) {
        return builder.precision(precision).kernel(kernel).build();
    }
}
