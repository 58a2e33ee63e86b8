package dev.maas.spring.boot;

import dev.maas.ModelHealth;
import dev.maas.ModelService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Reports a {@link ModelService}'s {@link ModelService#health() model states} as the {@code maas}
 * health component: {@code UP} while no model version has failed to load, {@code DOWN} while one
 * has. A failure is reported until the version loads, is deleted, or has not been asked for in 15
 * minutes (see {@link ModelService#health()}), so a model that cannot load keeps the application
 * out of rotation only while it is being asked for. The details name each version ({@code
 * name:version}) with its state, since when, and the reason of a failure.
 *
 * <p>Thread-safe.
 */
public final class MaasHealthIndicator implements HealthIndicator {
    private final ModelService maas;

    /** Reports on {@code maas}. */
    public MaasHealthIndicator(ModelService maas) {
        this.maas = Objects.requireNonNull(maas, "maas");
    }

    /** Returns the health: {@code DOWN} when a model version failed to load, else {@code UP}. */
    @Override
    public Health health() {
        List<ModelHealth> states = maas.health();
        boolean failed = false;
        Map<String, Object> models = new LinkedHashMap<>();
        for (ModelHealth h : states) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("state", h.state().name());
            d.put("since", h.since().toString());
            if (h.state() == ModelHealth.State.FAILED) {
                d.put("reason", h.reason());
                failed = true;
            }
            models.put(h.ref().toString(), d);
        }
        Health.Builder b = failed ? Health.down() : Health.up();
        return b.withDetail("models", models).build();
    }
}
