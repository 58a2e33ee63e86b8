package dev.maas.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code maas serve} on an ephemeral port, and the tokens {@code maas token} manages. */
class ServeCommandTest {
    @TempDir Path tmp;

    @Test
    void serve_answersOnItsPort_withTokensFromTheCli() throws Exception {
        Path root = tmp.resolve("repo");
        String[] repo = {"--root", root.toString()};
        StringWriter createOut = new StringWriter();
        StringWriter err = new StringWriter();
        int status =
                Main.run(
                        new PrintWriter(createOut, true),
                        new PrintWriter(err, true),
                        "token",
                        "create",
                        "--principal",
                        "alice",
                        "--root",
                        root.toString());
        assertThat(status).as(err.toString()).isZero();
        String token = createOut.toString().lines().findFirst().orElseThrow();
        assertThat(token).startsWith("maas_");
        String id = createOut.toString().replaceAll("(?s).*Token ([0-9a-f]+) acts as.*", "$1");
        // Only the hash is kept.
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).doesNotContain(token);
            }
        }
        StringWriter listOut = new StringWriter();
        Main.run(
                new PrintWriter(listOut, true),
                new PrintWriter(err, true),
                "token",
                "list",
                repo[0],
                repo[1]);
        assertThat(listOut.toString()).contains(id).contains("alice").doesNotContain(token);

        ServeCommand command = new ServeCommand();
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        CompletableFuture<Integer> running =
                CompletableFuture.supplyAsync(
                        () -> cli.execute("--root", root.toString(), "--port", "0"));
        Pattern url = Pattern.compile("http://127\\.0\\.0\\.1:[0-9]+");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Matcher m;
        while (!(m = url.matcher(out.toString())).find()) {
            assertThat(running).as("still running: %s", out).isNotDone();
            assertThat(System.nanoTime()).as("URL printed: %s", out).isLessThan(deadline);
            Thread.sleep(50);
        }
        URI base = URI.create(m.group());
        try {
            assertThat(get(base, "/v2/health/live", null).statusCode()).isEqualTo(200);
            assertThat(get(base, "/v2", null).body()).contains("\"name\":\"maas\"");
            assertThat(get(base, "/v2/models/none", token).statusCode()).isEqualTo(404);
            assertThat(get(base, "/metrics", null).body()).contains("maas_http_requests");

            StringWriter revokeOut = new StringWriter();
            Main.run(
                    new PrintWriter(revokeOut, true),
                    new PrintWriter(err, true),
                    "token",
                    "revoke",
                    id,
                    repo[0],
                    repo[1]);
            assertThat(revokeOut.toString()).contains("Revoked token " + id);
            // The running server re-reads the tokens within a second.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int code;
            while ((code = get(base, "/v2/models/none", token).statusCode()) != 401
                    && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(code).isEqualTo(401);
        } finally {
            command.stop.countDown();
        }
        assertThat(running.get(60, TimeUnit.SECONDS)).isZero();
    }

    private static HttpResponse<String> get(URI base, String path, String token) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
