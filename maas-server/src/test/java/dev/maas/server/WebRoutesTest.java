package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's files as the server sends them: types, a strict Content Security Policy, revalidation
 * by ETag, nothing loaded from elsewhere, and a script that never writes HTML from text.
 */
class WebRoutesTest {
    @TempDir static Path dir;
    static MarketFixture f;

    @BeforeAll
    static void start() {
        f = new MarketFixture(dir, 1L << 20);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void page_isServedWithItsTypesAndAStrictPolicy() {
        MarketFixture.Answer index = f.get("/", null);
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.response().headers().firstValue("Content-Type"))
                .hasValue("text/html; charset=utf-8");
        assertThat(index.response().headers().firstValue("Content-Security-Policy"))
                .hasValue(WebRoutes.CSP);
        assertThat(index.body()).contains("<main id=\"main\"").contains("src=\"/app.js\"");
        assertThat(f.get("/index.html", null).body()).isEqualTo(index.body());
        assertThat(f.get("/app.js", null).response().headers().firstValue("Content-Type"))
                .hasValue("text/javascript; charset=utf-8");
        assertThat(f.get("/app.css", null).response().headers().firstValue("Content-Type"))
                .hasValue("text/css; charset=utf-8");
        assertThat(f.get("/app.js", null).response().headers().firstValue("X-Content-Type-Options"))
                .hasValue("nosniff");
    }

    @Test
    void unchangedFiles_areRevalidatedWith304() throws Exception {
        MarketFixture.Answer js = f.get("/app.js", null);
        String etag = js.response().headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(f.server.uri() + "/app.js"))
                                        .header("If-None-Match", etag)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void nothingIsLoadedFromElsewhere_andNoTextBecomesHtml() {
        WebRoutes web = new WebRoutes();
        String html = web.text("/");
        Matcher external =
                Pattern.compile("(src|href)=\"(?!/|#)[^\"]*\"", Pattern.CASE_INSENSITIVE)
                        .matcher(html);
        assertThat(external.find()).as("external reference in index.html").isFalse();
        String js = web.text("/app.js");
        for (String sink :
                new String[] {
                    "innerHTML",
                    "outerHTML",
                    "insertAdjacentHTML",
                    "document.write",
                    "eval(",
                    "new Function"
                }) {
            assertThat(js).as("app.js uses %s", sink).doesNotContain(sink);
        }
        assertThat(web.text("/app.css")).doesNotContain("@import").doesNotContain("url(");
    }
}
