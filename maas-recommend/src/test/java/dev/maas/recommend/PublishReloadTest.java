package dev.maas.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recommender published in this JVM loads back through the repository in another process. */
class PublishReloadTest {
    @TempDir Path tmp;

    /** Run in the second JVM: opens the repository and prints results, one line per query. */
    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        try (ModelService maas = ModelService.builder().root(root).build()) {
            Recommender rec = Recommender.open(maas, args[1]);
            for (int a = 2; a < args.length; a++) {
                System.out.println(describe(args[a], rec.recommend(args[a], 5)));
            }
            System.out.println("similar " + describe("m4", rec.similarItems("m4", 5)));
        }
    }

    static String describe(String query, Recommendations r) {
        StringBuilder s =
                new StringBuilder(query)
                        .append(' ')
                        .append(r.source())
                        .append(' ')
                        .append(r.model());
        for (ScoredItem item : r.items()) {
            s.append(' ')
                    .append(item.id())
                    .append('=')
                    .append(Float.floatToIntBits((float) item.score()))
                    .append('|')
                    .append(item.title())
                    .append('|')
                    .append(String.join("/", item.genres()));
        }
        return s.toString();
    }

    @Test
    void publishedRecommender_loadsInAnotherProcess_withTheSameResults() throws Exception {
        RecommenderFixture fx = new RecommenderFixture(11, 30, 50, 6, 10);
        Path root = tmp.resolve("repo");
        List<String> users = List.of("user-1", "user-17", "user-30", "newcomer");
        List<String> expected = new ArrayList<>();
        try (ModelService maas = ModelService.builder().root(root).build()) {
            ModelCard card = fx.pkg().publish(maas, "movies");
            maas.setAlias("movies", "production", card.version());
            Recommender rec = Recommender.open(maas, "movies@production");
            for (String u : users) {
                expected.add(describe(u, rec.recommend(u, 5)));
            }
            expected.add("similar " + describe("m4", rec.similarItems("m4", 5)));
        }

        List<String> actual = runJava(root.toString(), "movies@production", users);

        assertThat(actual).isEqualTo(expected);
        assertThat(actual.get(0)).contains("PERSONALIZED movies:1");
        assertThat(actual.get(3)).startsWith("newcomer POPULARITY movies:1");
    }

    private static List<String> runJava(String root, String ref, List<String> users)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-Dai.djl.offline=true");
        // Same scoring kernel as this JVM, so scores agree to the last bit.
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            command.add("--add-modules");
            command.add("jdk.incubator.vector");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PublishReloadTest.class.getName());
        command.add(root);
        command.add(ref);
        command.addAll(users);
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        // Drain stderr so a chatty child cannot block on a full pipe.
        Thread drain =
                new Thread(
                        () -> {
                            try {
                                p.getErrorStream().transferTo(System.err);
                            } catch (IOException e) {
                                // the child is gone
                            }
                        });
        drain.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("second JVM finished").isTrue();
        drain.join(5_000);
        assertThat(p.exitValue()).as("second JVM exit status; output:\n" + out).isZero();
        return out.lines().toList();
    }
}
