package dev.maas;

import dev.maas.spi.EngineBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine backends found on the class path, and how a card picks one. Thread-safe. */
final class EngineRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(EngineRegistry.class);

    private final List<EngineBackend> backends;

    EngineRegistry(List<EngineBackend> backends) {
        this.backends = List.copyOf(backends);
    }

    static EngineRegistry discover(ClassLoader loader) {
        List<EngineBackend> found = new ArrayList<>();
        for (EngineBackend b : ServiceLoader.load(EngineBackend.class, loader)) {
            LOG.debug("found engine backend {} for formats {}", b.engine(), b.formats());
            found.add(b);
        }
        return new EngineRegistry(found);
    }

    List<EngineBackend> backends() {
        return backends;
    }

    /**
     * Returns the card with engine and format filled in, and the backend that loads it.
     *
     * @throws EngineUnavailableException if no backend on the class path fits
     */
    Selection select(ModelCard card, Path versionDir) {
        String engine = card.engine();
        String format = card.format();
        for (EngineBackend b : backends) {
            if (engine != null && !b.engine().equalsIgnoreCase(engine)) {
                continue;
            }
            if (format != null && b.formats().contains(format)) {
                return new Selection(b, card.toBuilder().engine(b.engine()).build());
            }
            if (format == null) {
                Optional<String> detected = b.detectFormat(versionDir);
                if (detected.isPresent()) {
                    return new Selection(
                            b, card.toBuilder().engine(b.engine()).format(detected.get()).build());
                }
            }
        }
        String available =
                backends.isEmpty()
                        ? "none"
                        : backends.stream()
                                .map(b -> b.engine() + " " + b.formats())
                                .collect(Collectors.joining(", "));
        if (engine != null) {
            boolean present = backends.stream().anyMatch(b -> b.engine().equalsIgnoreCase(engine));
            if (!present) {
                throw new EngineUnavailableException(
                        "model "
                                + card.ref()
                                + " needs engine "
                                + engine
                                + ", which is not on the class path: add the Maven dependency "
                                + EngineBackend.artifactFor(card)
                                + " (engines available: "
                                + available
                                + ")");
            }
            throw new EngineUnavailableException(
                    "engine "
                            + engine
                            + " cannot load format '"
                            + format
                            + "' of model "
                            + card.ref()
                            + " (engines available: "
                            + available
                            + ")");
        }
        throw new EngineUnavailableException(
                "no engine recognises the files of model "
                        + card.ref()
                        + (format == null ? "" : " (format '" + format + "')")
                        + "; set the card's engine and format, or add the engine's module ("
                        + EngineBackend.artifactFor(card)
                        + "); engines available: "
                        + available);
    }

    record Selection(EngineBackend backend, ModelCard card) {}
}
