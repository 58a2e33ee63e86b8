package dev.maas.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field to receive a model of the application's {@link dev.maas.ModelService} by reference:
 * a {@link dev.maas.Endpoint} field gets {@code maas.endpoint(ref)}, a {@code
 * dev.maas.recommend.Recommender} field gets {@code Recommender.open(maas, ref)} (which loads the
 * model, so a wrong reference fails at startup). Any other field type fails at startup.
 *
 * <pre>{@code
 * @RestController
 * class Movies {
 *     @MaasModel("movies@production")
 *     private Recommender movies;
 * }
 * }</pre>
 *
 * <p>For constructor injection use {@link MaasReferences} or {@link MaasRecommenders} in a
 * {@code @Bean} method.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MaasModel {
    /** The reference: {@code "name"}, {@code "name:version"} or {@code "name@alias"}. */
    String value();
}
