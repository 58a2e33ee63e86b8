package dev.maas.spring.boot;

import dev.maas.Endpoint;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.springframework.beans.BeansException;
import org.springframework.beans.PropertyValues;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.InstantiationAwareBeanPostProcessor;
import org.springframework.util.ReflectionUtils;

/**
 * Fills the {@link MaasModel @MaasModel} fields of beans before their other properties are set,
 * from the context's {@link ModelService}, looked up when the first such field is met (so that a
 * post-processor does not create the service early).
 *
 * <p>Thread-safe as Spring uses it.
 */
public final class MaasModelInjector
        implements InstantiationAwareBeanPostProcessor, BeanFactoryAware {
    private static final String RECOMMENDER = "dev.maas.recommend.Recommender";

    private BeanFactory beanFactory;

    /** Creates the injector; the auto-configuration registers it. */
    public MaasModelInjector() {}

    /** Receives the bean factory that holds the {@link ModelService}. */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    /** Injects the annotated fields of {@code bean}. */
    @Override
    public PropertyValues postProcessProperties(PropertyValues pvs, Object bean, String beanName)
            throws BeansException {
        ReflectionUtils.doWithFields(
                bean.getClass(),
                field -> inject(bean, beanName, field),
                field -> field.isAnnotationPresent(MaasModel.class));
        return pvs;
    }

    private void inject(Object bean, String beanName, Field field) {
        String ref = field.getAnnotation(MaasModel.class).value();
        if (Modifier.isStatic(field.getModifiers())) {
            throw new BeanCreationException(
                    beanName, "@MaasModel is not supported on static field " + field);
        }
        Object value;
        try {
            value = resolve(field.getType(), ModelRef.parse(ref));
        } catch (RuntimeException e) {
            throw new BeanCreationException(
                    beanName,
                    "cannot inject @MaasModel(\""
                            + ref
                            + "\") into "
                            + field
                            + ": "
                            + e.getMessage(),
                    e);
        }
        ReflectionUtils.makeAccessible(field);
        ReflectionUtils.setField(field, bean, value);
    }

    private Object resolve(Class<?> type, ModelRef ref) {
        ModelService maas = beanFactory.getBean(ModelService.class);
        if (type == Endpoint.class) {
            return maas.endpoint(ref);
        }
        if (type.getName().equals(RECOMMENDER)) {
            return Recommenders.open(maas, ref);
        }
        throw new IllegalArgumentException(
                "the field must be a dev.maas.Endpoint or a "
                        + RECOMMENDER
                        + ", was "
                        + type.getName());
    }

    /** Touches the recommend module only when a field asks for it. */
    private static final class Recommenders {
        static Object open(ModelService maas, ModelRef ref) {
            return dev.maas.recommend.Recommender.open(maas, ref);
        }
    }
}
