package dev.maas.spring.boot;

import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of maas: a {@link ModelService} from the {@link MaasProperties maas.*}
 * properties, closed with the application context (calls in flight finish first); {@link
 * MaasReferences} and, with {@code maas-recommend} on the class path, {@link MaasRecommenders};
 * injection of {@link MaasModel @MaasModel} fields; the application's Micrometer {@code
 * MeterRegistry} when there is one; and the {@code maas} health indicator when Spring Boot Actuator
 * is on the class path.
 *
 * <p>A {@link ModelService} bean of the application replaces the auto-configured one; the other
 * beans then use it.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
        })
@ConditionalOnClass(ModelService.class)
@EnableConfigurationProperties(MaasProperties.class)
public class MaasAutoConfiguration {
    /** Creates the auto-configuration; Spring calls it. */
    public MaasAutoConfiguration() {}

    /**
     * Returns the model service: the properties applied first, then each {@link
     * ModelServiceBuilderCustomizer} in order.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ModelService maasModelService(
            MaasProperties properties, ObjectProvider<ModelServiceBuilderCustomizer> customizers) {
        ModelService.Builder builder = ModelService.builder();
        properties.applyTo(builder);
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    /** Returns endpoints by reference, for {@code @Bean} methods and constructors. */
    @Bean
    @ConditionalOnMissingBean
    public MaasReferences maasReferences(ModelService maas) {
        return new MaasReferences(maas);
    }

    /** Injects {@link MaasModel @MaasModel} fields; static, as bean post-processors must be. */
    @Bean
    public static MaasModelInjector maasModelInjector() {
        return new MaasModelInjector();
    }

    /** Recommenders by reference, when {@code maas-recommend} is on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Recommender.class)
    static class RecommendConfiguration {
        @Bean
        @ConditionalOnMissingBean
        MaasRecommenders maasRecommenders(ModelService maas) {
            return new MaasRecommenders(maas);
        }
    }

    /** Records maas metrics into the application's registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {
        @Bean
        ModelServiceBuilderCustomizer maasMeterRegistryCustomizer(
                ObjectProvider<MeterRegistry> registry) {
            return builder -> registry.ifUnique(builder::meterRegistry);
        }
    }

    /** The {@code maas} health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnProperty(
            prefix = "management.health.maas",
            name = "enabled",
            matchIfMissing = true)
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "maasHealthIndicator")
        MaasHealthIndicator maasHealthIndicator(ModelService maas) {
            return new MaasHealthIndicator(maas);
        }
    }
}
