package dev.maas.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.RepositoryDirectory;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogQuery;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.testing.TextBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The marketplace's search over the PostgreSQL catalog (narrowed by its full-text index) finds
 * exactly what the same search finds over a file-system repository holding the same cards (read
 * whole, matched in memory): the same models in the same order, for free text, filters, SQL syntax
 * and quotes.
 */
class PostgresSearchTest {
    private static final String[] TASKS = {"ranking", "recommendation", "regression"};
    private static final String[] TAGS = {"video", "music", "it's", "50%_off", "drop table;--"};
    private static final String[] WORDS = {
        "watch",
        "time",
        "predictor",
        "catalogue",
        "O'Reilly",
        "\"quoted\"",
        "'; DELETE FROM",
        "versions;",
        "--",
        "ünïcödé",
        "café",
        "x_y",
        "a%b",
        "$$",
        "\\",
        "resnet-50",
        "v1.2"
    };

    private static Path tmp;
    private static PostgresCatalog catalog;
    private static ModelService onPostgres;
    private static ModelService onFiles;

    @BeforeAll
    static void publish() throws IOException {
        tmp = Files.createTempDirectory("maas-search-test-");
        catalog = TestDatabases.catalog(TestDatabases.newDatabase("search"), tmp.resolve("blobs"));
        onPostgres = service(ModelService.builder().repository(catalog));
        onFiles =
                service(
                        ModelService.builder()
                                .repository(new FileSystemModelRepository(tmp.resolve("repo"))));
        Random random = new Random(7);
        for (int i = 0; i < 60; i++) {
            StringBuilder description = new StringBuilder();
            for (int w = 0; w < 4; w++) {
                description.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            ModelCard card =
                    ModelCard.builder(String.format("model-%02d.%s", i, i % 2 == 0 ? "v2" : "x"))
                            .task(TASKS[random.nextInt(TASKS.length)])
                            .engine("text")
                            .format("txt")
                            .owner(i % 3 == 0 ? "search" : "home")
                            .visibility(Visibility.values()[random.nextInt(3)])
                            .license(i % 4 == 0 ? "MIT" : "Apache-2.0")
                            .tags(TAGS[random.nextInt(TAGS.length)], TAGS[random.nextInt(5)])
                            .description(description.toString())
                            .intendedUse(i % 5 == 0 ? "kids' shows" : null)
                            .build();
            Path dir = Files.createTempDirectory(tmp, "pkg");
            Files.writeString(dir.resolve("model.txt"), "m" + i);
            onPostgres.publish(ModelPackage.of(card, dir));
            onFiles.publish(ModelPackage.of(card, dir));
        }
    }

    private static ModelService service(ModelService.Builder b) {
        ModelService maas = b.backends(List.of(new TextBackend())).build();
        RepositoryDirectory directory = (RepositoryDirectory) maas.marketplace().directory();
        directory.addTeam("home");
        directory.addTeam("search");
        directory.addPrincipal("bob", "search");
        return maas;
    }

    @AfterAll
    static void close() throws IOException {
        onPostgres.close();
        onFiles.close();
        catalog.close();
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Stream<CatalogQuery.Builder> queries() {
        return Stream.of(
                CatalogQuery.builder(),
                CatalogQuery.builder().text("watch"),
                CatalogQuery.builder().text("wat pre"),
                CatalogQuery.builder().text("O'Reilly"),
                CatalogQuery.builder().text("'; DELETE FROM versions; --"),
                CatalogQuery.builder().text("\"quoted\" | !x & y:* <-> z"),
                CatalogQuery.builder().text("50%_off"),
                CatalogQuery.builder().text("drop table;--"),
                CatalogQuery.builder().text("café"),
                CatalogQuery.builder().text("ünï"),
                CatalogQuery.builder().text("resnet-50 v1.2"),
                CatalogQuery.builder().text("kids"),
                CatalogQuery.builder().text("model-1"),
                CatalogQuery.builder().text("x_y a%b $$ \\"),
                CatalogQuery.builder().tag("it's"),
                CatalogQuery.builder().tag("drop table;--").tag("video"),
                CatalogQuery.builder().task("RANKING").license("mit"),
                CatalogQuery.builder().owner("search").visibility(Visibility.PRIVATE),
                CatalogQuery.builder().engine("text").text("catalogue"),
                CatalogQuery.builder().text("nothing-matches-this"));
    }

    @ParameterizedTest
    @MethodSource("queries")
    void search_findsWhatTheInMemorySearchFinds(CatalogQuery.Builder query) {
        CatalogQuery q = query.pageSize(CatalogQuery.MAX_PAGE_SIZE).build();
        List<String> expected = names(onFiles, q);
        List<String> actual = names(onPostgres, q);
        assertThat(actual).as("%s", q).isEqualTo(expected);
        // The index narrows: never more candidates than models, never fewer than the results.
        List<String> candidates = catalog.candidates(q);
        assertThat(candidates).containsAll(expected);
        assertThat(catalog.names()).containsAll(candidates).hasSize(60);
    }

    private static List<String> names(ModelService maas, CatalogQuery q) {
        List<String> out = new ArrayList<>();
        for (CatalogEntry e : maas.as("bob").search(q).items()) {
            out.add(e.name());
        }
        return out;
    }

    @org.junit.jupiter.api.Test
    void selectiveText_narrowsTheCandidates() {
        CatalogQuery q = CatalogQuery.builder().text("reilly").build();
        List<String> candidates = catalog.candidates(q);
        assertThat(candidates).isNotEmpty().hasSizeLessThan(60);
        for (String name : candidates) {
            assertThat(catalog.resolve(dev.maas.ModelRef.latest(name)).description())
                    .containsIgnoringCase("reilly");
        }
        assertThat(names(onPostgres, CatalogQuery.builder().text("watch").build())).isNotEmpty();
    }
}
