package dev.maas.market;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.RepositoryDirectory;
import dev.maas.testing.TextBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A service over a fresh repository with the text backend, teams and principals. */
final class MarketFixture implements AutoCloseable {
    final Path root;
    final Path tmp;
    final TextBackend backend = new TextBackend();
    final ModelService maas;
    final RepositoryDirectory directory;

    MarketFixture(Path tmp) {
        this.tmp = tmp;
        this.root = tmp.resolve("repo");
        this.maas = ModelService.builder().root(root).backends(List.of(backend)).build();
        this.directory = (RepositoryDirectory) maas.marketplace().directory();
        for (String team : List.of("home", "search", "music")) {
            directory.addTeam(team);
        }
        directory.addPrincipal("alice", "home");
        directory.addPrincipal("bob", "search");
        directory.addPrincipal("carol", "music");
    }

    /** A valid marketplace card of a text model. */
    static ModelCard.Builder card(String name, String owner, Visibility visibility) {
        return ModelCard.builder(name)
                .task("ranking")
                .engine("text")
                .format("txt")
                .owner(owner)
                .visibility(visibility)
                .description("ranks things for " + owner);
    }

    /** Returns a package of a text model whose text is {@code text}. */
    ModelPackage pkg(ModelCard card, String text) {
        try {
            Path dir = Files.createTempDirectory(tmp, "pkg");
            Files.writeString(dir.resolve("model.txt"), text);
            return ModelPackage.of(card, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes as the trusted host (no checks, no audit). */
    ModelCard hostPublish(ModelCard card, String text) {
        return maas.publish(pkg(card, text));
    }

    @Override
    public void close() {
        maas.close();
    }
}
