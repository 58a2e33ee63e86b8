package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The marketplace page in a real browser: headless Chromium from the operating system's packages
 * ({@code chromium} and {@code chromium-driver} on Debian), driven through WebDriver. It searches,
 * opens a model, reads its card and metric charts, runs "try it", and signs in and out. Screenshots
 * go to {@code target/browser-screenshots/}.
 *
 * <p>Selenium is given the driver and the browser binary, so Selenium Manager never looks for, let
 * alone downloads, either. Without Chromium the test fails when {@code CI=true} (the CI script
 * installs it) and is skipped otherwise.
 */
class MarketplacePageBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "browser-screenshots");

    @TempDir static Path dir;
    static MarketFixture f;
    static WebDriver driver;
    static WebDriverWait wait;

    @BeforeAll
    static void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why =
                    "the browser test needs "
                            + CHROMIUM
                            + " and "
                            + CHROMEDRIVER
                            + ": install them with 'apt-get install -y chromium chromium-driver'"
                            + " (.ci/run does so as root)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        f = new MarketFixture(dir, 8L << 20);
        // A generic model, for the "try it" panel's inference request.
        Path dense = Files.createDirectories(dir.resolve("dense"));
        Fixtures.writeDense(dense);
        f.maas.as("alice")
                .publish(
                        dev.maas.ModelPackage.of(
                                Fixtures.denseCard("dense", dev.maas.Visibility.PUBLIC, "recs")
                                        .task("regression")
                                        .description("A dense layer: `relu(x W + b)`.")
                                        .build(),
                                dense));
        // Some calls, so that the usage chart has a bar.
        for (int i = 0; i < 4; i++) {
            f.client("carol").recommend("movies", Integer.toString(i + 1), 3);
        }
        Files.createDirectories(SHOTS);

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(CHROMEDRIVER.toFile())
                        .usingAnyFreePort()
                        .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1280,1100",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (f != null) {
            f.close();
        }
    }

    /** The text of every element matching {@code css}, read at once (the page may redraw). */
    @SuppressWarnings("unchecked")
    private static List<String> texts(String css) {
        return (List<String>)
                ((JavascriptExecutor) driver)
                        .executeScript(
                                "return Array.from(document.querySelectorAll(arguments[0]))"
                                        + ".map(e => e.textContent)",
                                css);
    }

    private static List<String> resultNames() {
        return texts("#results .model-link");
    }

    private static void shot(String name) throws IOException {
        Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void waitForResults(int n) {
        wait.until(d -> resultNames().size() == n);
    }

    @Test
    void searchOpenChartTrySignInAndOut() throws IOException {
        driver.get(f.server.uri() + "/");
        // Anonymous: the public models only.
        waitForResults(3);
        assertThat(driver.findElement(By.id("signed-in")).isDisplayed()).isFalse();
        assertThat(resultNames()).containsExactlyInAnyOrder("movies", "movies-lite", "dense");
        assertThat(driver.findElement(By.id("result-count")).getText()).isEqualTo("3 models found");
        shot("01-search.png");

        // Search by text.
        WebElement q = driver.findElement(By.id("q"));
        q.sendKeys("lite");
        driver.findElement(By.id("search-button")).click();
        waitForResults(1);
        assertThat(resultNames()).containsExactly("movies-lite");
        q.clear();

        // Sign in: the private and restricted models appear.
        driver.findElement(By.id("token")).sendKeys(f.tokenOf.get("alice"));
        driver.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.textToBe(By.id("whoami"), "alice"));
        assertThat(driver.findElement(By.id("sign-in-form")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("sign-out")).isDisplayed()).isTrue();
        // Signing in searches again, as the new principal.
        waitForResults(5);
        assertThat(resultNames())
                .containsExactlyInAnyOrder(
                        "movies", "movies-lite", "dense", "shelf", "secret-recs");
        String stored =
                (String)
                        ((JavascriptExecutor) driver)
                                .executeScript("return sessionStorage.getItem('maas.token')");
        assertThat(stored).isEqualTo(f.tokenOf.get("alice"));

        // Open a model: its card, rendered safely, and one chart per metric across versions.
        wait.until(
                d -> {
                    d.findElement(By.linkText("movies")).click();
                    return true;
                });
        wait.until(ExpectedConditions.textToBe(By.id("model-title"), "movies"));
        wait.until(d -> d.findElements(By.cssSelector("svg.metric-chart")).size() == 2);
        WebElement ndcg =
                driver.findElements(By.cssSelector("svg.metric-chart")).stream()
                        .filter(s -> s.getAttribute("aria-label").startsWith("ndcg@10"))
                        .findFirst()
                        .orElseThrow();
        assertThat(ndcg.getAttribute("aria-label")).isEqualTo("ndcg@10: v1 0.3000, v2 0.3400");
        assertThat(ndcg.findElements(By.cssSelector("circle"))).hasSize(2);
        WebElement card = driver.findElement(By.id("card-description"));
        assertThat(card.findElement(By.tagName("strong")).getText()).isEqualTo("films");
        assertThat(card.findElement(By.tagName("a")).getAttribute("href"))
                .isEqualTo("https://example.org/doc");
        // The description's <script> is shown as text, never run or made an element.
        assertThat(card.getText()).contains("<script>alert('x')</script>");
        assertThat(card.findElements(By.tagName("script"))).isEmpty();
        assertThat(driver.findElement(By.id("versions")).getText()).contains("production");
        assertThat(driver.findElement(By.id("lineage")).getText()).contains("movies-lite");
        wait.until(d -> !d.findElements(By.cssSelector("svg.usage-chart rect")).isEmpty());
        shot("02-model.png");

        // Try it: recommendations for a user, as the page shows them, equal the in-process ones.
        Recommender local = Recommender.open(f.maas, "movies");
        String user = local.model().users().ids().get(7);
        Recommendations expected = local.recommend(user, 5);
        WebElement k = driver.findElement(By.id("try-k"));
        k.clear();
        k.sendKeys("5");
        driver.findElement(By.id("try-user")).sendKeys(user);
        driver.findElement(By.id("try-run")).click();
        wait.until(d -> texts("#try-output li").size() == 5);
        List<String> titles = texts("#try-output li strong");
        assertThat(titles).isEqualTo(expected.items().stream().map(i -> i.title()).toList());
        assertThat(driver.findElement(By.id("try-output")).getText()).contains("From movies:2");
        shot("03-try-it.png");

        // Try it on a generic model: the request the page prefills from the card's signature
        // goes to the Open Inference Protocol route, and the outputs come back.
        wait.until(
                d -> {
                    d.get(f.server.uri() + "/#/models/dense");
                    return true;
                });
        wait.until(ExpectedConditions.textToBe(By.id("model-title"), "dense"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("try-infer-run")));
        assertThat(driver.findElement(By.id("try-recommend")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("try-json")).getAttribute("value"))
                .contains("\"datatype\": \"FP32\"")
                .contains("\"shape\": [\n        1,\n        " + Fixtures.IN);
        driver.findElement(By.id("try-infer-run")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("pre.infer-output")));
        assertThat(driver.findElement(By.cssSelector("pre.infer-output")).getText())
                .contains("\"outputs\"")
                .contains(dev.maas.testing.DenseModel.OUTPUT);
        shot("04-try-infer.png");

        // Sign out: the token is gone and the private models with it.
        driver.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
        assertThat(driver.findElement(By.id("signed-in")).isDisplayed()).isFalse();
        assertThat(
                        ((JavascriptExecutor) driver)
                                .executeScript("return sessionStorage.getItem('maas.token')"))
                .isNull();
        driver.get(f.server.uri() + "/#/models/secret-recs");
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(
                        By.id("status"), "model 'secret-recs' not found"));
        driver.get(f.server.uri() + "/");
        waitForResults(3);
        shot("05-signed-out.png");
    }
}
