package dev.maas.catalog.postgres;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.repository.ModelRepository;
import dev.maas.testing.TextBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Small text models (the test-jar's real {@link TextBackend}) and services over a repository. */
final class TextModels {
    private TextModels() {}

    /** A package whose model.txt holds {@code text}. */
    static ModelPackage pkg(Path parent, String name, String text) {
        try {
            Path dir = Files.createTempDirectory(parent, "pkg-");
            Files.writeString(dir.resolve("model.txt"), text);
            return ModelPackage.of(
                    ModelCard.builder(name).task("test").engine("text").format("txt").build(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A service whose resolve refresh is {@code refresh}: only notifications are faster. */
    static ModelService service(ModelRepository repository, Duration refresh) {
        return ModelService.builder()
                .repository(repository)
                .backends(List.of(new TextBackend()))
                .resolveRefresh(refresh)
                .build();
    }
}
