package dev.maas.spring.boot;

import dev.maas.Endpoint;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import java.util.Objects;

/**
 * Endpoints of the application's {@link ModelService} by reference, for {@code @Bean} methods and
 * constructor injection.
 *
 * <pre>{@code
 * @Bean
 * RankingService ranking(MaasReferences maas) {
 *     return new RankingService(maas.endpoint("ranker@production"));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class MaasReferences {
    private final ModelService maas;

    /** Returns references into {@code maas}. */
    public MaasReferences(ModelService maas) {
        this.maas = Objects.requireNonNull(maas, "maas");
    }

    /**
     * Returns an endpoint for {@code ref} ({@code "ranker"}, {@code "ranker:3"}, {@code
     * "ranker@production"}); it resolves the reference at each call.
     *
     * @throws IllegalArgumentException if {@code ref} is not a valid reference
     */
    public Endpoint endpoint(String ref) {
        return maas.endpoint(ModelRef.parse(ref));
    }

    /** Returns the service behind these references. */
    public ModelService service() {
        return maas;
    }
}
