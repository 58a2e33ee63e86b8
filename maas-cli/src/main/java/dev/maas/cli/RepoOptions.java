package dev.maas.cli;

import dev.maas.ModelService;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/** The {@code --root} option every command takes: where the model repository lives. */
final class RepoOptions {
    @Option(
            names = "--root",
            paramLabel = "<folder>",
            description =
                    "Model repository folder (default: $MAAS_ROOT, else ~/.maas). Published models"
                            + " live in <folder>/models, generated data in <folder>/data, trained"
                            + " but unpublished models in <folder>/runs.")
    Path root;

    /**
     * Returns the repository folder.
     *
     * @throws CliException if {@code --root} was given an empty or blank value, which would
     *     otherwise mean the current folder
     */
    Path root() {
        if (root != null) {
            if (root.toString().isBlank()) {
                throw new CliException(
                        "--root is "
                                + (root.toString().isEmpty() ? "empty" : "blank")
                                + ": expected a folder (leave --root out to use $MAAS_ROOT, else"
                                + " ~/.maas)");
            }
            return root.toAbsolutePath().normalize();
        }
        String env = System.getenv("MAAS_ROOT");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".maas");
    }

    /** Returns the folder of trained, not yet published models. */
    Runs runs() {
        return new Runs(root().resolve("runs"), Clock.systemUTC());
    }

    /** Opens the model service on the repository. */
    ModelService open() {
        return ModelService.builder().root(root()).build();
    }
}
