package dev.maas.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.ModelService;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Starts the application on a free port of 127.0.0.1 with a fresh repository and calls it over a
 * real socket, as a client would.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.address=127.0.0.1")
class RecommenderApplicationTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("maas-spring-test");
        registry.add("maas.root", root::toString);
    }

    @LocalServerPort int port;

    @Autowired ModelService maas;

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void recommendations_matchTheRecommenderAndShowInHealthAndMetrics() throws Exception {
        JsonNode body = get("/recommendations/7?k=5");

        Recommendations direct = Recommender.open(maas, "movies@production").recommend("7", 5);
        List<String> ids = new ArrayList<>();
        body.get("items").forEach(item -> ids.add(item.get("id").asText()));
        assertThat(ids).hasSize(5).isEqualTo(direct.ids());
        assertThat(body.get("model").asText()).isEqualTo(direct.model().toString());
        assertThat(body.get("source").asText()).isEqualTo("PERSONALIZED");

        JsonNode maasHealth = get("/actuator/health").get("components").get("maas");
        assertThat(maasHealth.get("status").asText()).isEqualTo("UP");
        assertThat(maasHealth.get("details").get("models").get("movies:1").get("state").asText())
                .isEqualTo("READY");

        List<String> meters = new ArrayList<>();
        get("/actuator/metrics").get("names").forEach(n -> meters.add(n.asText()));
        assertThat(meters).anySatisfy(name -> assertThat(name).startsWith("maas."));
    }
}
