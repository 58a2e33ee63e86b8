package dev.maas.spring.boot;

import dev.maas.ModelService;

/**
 * Adjusts the {@link ModelService.Builder} of the auto-configured service after the {@code maas.*}
 * properties were applied: declare a bean of this type to set what properties cannot express (a
 * custom repository, engine backends). Customizers run in {@link org.springframework.core.Ordered
 * order}.
 */
@FunctionalInterface
public interface ModelServiceBuilderCustomizer {
    /** Adjusts {@code builder}. */
    void customize(ModelService.Builder builder);
}
