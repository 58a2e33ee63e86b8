package dev.maas.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot web application that serves recommendations through the maas starter: the starter
 * makes the {@link dev.maas.ModelService} from {@code maas.*} properties, {@link MoviesController}
 * receives the {@code movies@production} recommender by reference, and Actuator shows the {@code
 * maas} health component and the {@code maas.*} meters.
 *
 * <p>Run its {@code main} (from an IDE, or with {@code java} and the module's class path), then ask
 * {@code GET http://127.0.0.1:8080/recommendations/7}.
 */
@SpringBootApplication
public class RecommenderApplication {
    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(RecommenderApplication.class, args);
    }
}
