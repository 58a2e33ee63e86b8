package dev.maas.spring.boot;

import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import java.util.Objects;

/**
 * Recommenders of the application's {@link ModelService} by reference, for {@code @Bean} methods
 * and constructor injection; a bean only when {@code maas-recommend} is on the class path.
 *
 * <pre>{@code
 * @Bean
 * Recommender movies(MaasRecommenders recommenders) {
 *     return recommenders.recommender("movies@production");
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class MaasRecommenders {
    private final ModelService maas;

    /** Returns recommenders of {@code maas}. */
    public MaasRecommenders(ModelService maas) {
        this.maas = Objects.requireNonNull(maas, "maas");
    }

    /**
     * Opens the recommender {@code ref} names, loading its model now so that a wrong reference
     * fails at startup; see {@link Recommender#open(ModelService, String)}.
     *
     * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
     * @throws IllegalArgumentException if the model is not a recommender
     */
    public Recommender recommender(String ref) {
        return Recommender.open(maas, ref);
    }
}
