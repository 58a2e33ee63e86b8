package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.client.MaasClient;
import dev.maas.client.Tensor;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with a key store made by the test (the JDK's keytool), the Prometheus scrape endpoint fed by
 * the model service's own registry, and the access log (one line per request, never the token).
 */
class TlsAndObservabilityTest {
    @TempDir Path tmp;

    @Test
    void tls_servesHttpsOnly_withTheGivenCertificate() throws Exception {
        TestKeyStore keys = TestKeyStore.create(tmp, "changeit-test");

        try (ModelService maas = service();
                MaasServer server =
                        MaasServer.builder(maas)
                                .port(0)
                                .tls(keys.path(), keys.password())
                                .build()
                                .start()) {
            assertThat(server.uri().getScheme()).isEqualTo("https");
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, keys.trust().getTrustManagers(), null);
            MaasClient client = MaasClient.builder(server.uri()).sslContext(ssl).build();
            assertThat(client.live()).isTrue();
            float[] y =
                    client.infer("dense", Tensor.ofFloats("x", new long[] {1, 4}, 1, 2, 3, 4))
                            .outputs()
                            .get(0)
                            .asFloats();
            assertThat(y).hasSize(Fixtures.OUT);

            // Plain HTTP on the TLS port gets no answer it could use.
            try (java.net.Socket socket = RawHttp.connect(server.port())) {
                socket.getOutputStream()
                        .write(
                                "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                                        .getBytes(StandardCharsets.US_ASCII));
                byte[] answer = socket.getInputStream().readNBytes(12);
                assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("200");
            }
            // A client that does not trust the certificate is refused.
            MaasClient untrusting = MaasClient.builder(server.uri()).build();
            assertThatThrownBy(untrusting::live).isInstanceOf(java.io.UncheckedIOException.class);
        }
    }

    @Test
    void metrics_andAccessLog() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (ModelService maas = service(registry)) {
            TokenStore tokens = TokenStore.inMemory();
            String token = tokens.create("alice").token();
            try (MaasServer server =
                    MaasServer.builder(maas)
                            .port(0)
                            .tokens(tokens)
                            .meterRegistry(registry)
                            .build()
                            .start()) {
                MaasClient client = MaasClient.builder(server.uri()).token(token).build();
                System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                try {
                    client.infer("dense", Tensor.ofFloats("x", new long[] {1, 4}, 1, 2, 3, 4));
                    Http.get(server.uri(), "/v2/models/nosuch", null);
                    // The line is written once the response is out: wait for it.
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!captured.toString(StandardCharsets.UTF_8).contains("/v2/models/nosuch")
                            && System.nanoTime() < until) {
                        Thread.sleep(20);
                    }
                } finally {
                    System.setErr(err);
                }
                String metrics = Http.get(server.uri(), "/metrics", null).text();
                assertThat(metrics)
                        .contains(
                                "maas_http_requests_seconds_count{method=\"POST\",route=\"/v2/models/{name}/infer\",status=\"200\"}"
                                    + " 1")
                        .contains("route=\"/v2/models/{name}\",status=\"404\"");
                // The model service's own meters come through the same registry.
                assertThat(metrics).contains("maas_");
                assertThat(registry.getMeters().size()).isGreaterThan(3);
            }
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .containsPattern("POST /v2/models/dense/infer 200 [0-9]+ [0-9]+us alice")
                .containsPattern("GET /v2/models/nosuch 404 [0-9]+ [0-9]+us anonymous")
                .doesNotContain(TokenStore.PREFIX);
    }

    private ModelService service() {
        return publish(ModelService.builder().root(tmp.resolve("repo")).build());
    }

    private ModelService service(PrometheusMeterRegistry registry) {
        return publish(
                ModelService.builder().root(tmp.resolve("repo2")).meterRegistry(registry).build());
    }

    private ModelService publish(ModelService maas) {
        Path dense = tmp.resolve("dense-" + System.identityHashCode(maas));
        Fixtures.writeDense(dense);
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("dense", Visibility.PUBLIC, null).build(), dense));
        return maas;
    }
}
