package dev.maas.compression;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.RepositoryException;
import dev.maas.spi.EngineBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Publishes DJL models with compressed parameters (format {@value CompressedBlockBackend#FORMAT}),
 * which {@link CompressedBlockBackend} loads and serves. Stateless and thread-safe.
 */
public final class CompressedModels {
    private CompressedModels() {}

    /**
     * Publishes {@code parameters} as the next version of the card's model. The card must name the
     * block factory (property {@value CompressedBlockBackend#BLOCK_FACTORY}) and declare the input;
     * engine and format are set here, and with a {@code report} its properties ({@code
     * compression.*}) and the quality after compression (as metrics) are added.
     *
     * @param service where to publish
     * @param card the card: name, task, inputs, outputs, block factory, {@code derivedFrom}
     * @param parameters the parameters, compressed or not ({@link BlockCompression#dense})
     * @param report the compression report, or {@code null} for an uncompressed model
     * @return the stored card
     * @throws IllegalArgumentException if the card lacks the block factory or the input
     * @throws RepositoryException if the files cannot be written or published
     */
    public static ModelCard publish(
            ModelService service,
            ModelCard card,
            CompressedBlock parameters,
            CompressionReport report) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(parameters, "parameters");
        if (card.properties().get(CompressedBlockBackend.BLOCK_FACTORY) == null) {
            throw new IllegalArgumentException(
                    "card of "
                            + card.name()
                            + " needs the property '"
                            + CompressedBlockBackend.BLOCK_FACTORY
                            + "' naming the BlockFactory that builds its architecture");
        }
        if (card.inputs().isEmpty()) {
            throw new IllegalArgumentException(
                    "card of " + card.name() + " needs an input signature to initialise the block");
        }
        ModelCard.Builder b =
                card.toBuilder()
                        .engine(CompressedBlockBackend.ENGINE)
                        .format(CompressedBlockBackend.FORMAT)
                        .property(EngineBackend.ARTIFACT_PROPERTY, CompressedBlockBackend.ARTIFACT);
        if (report != null) {
            report.toCardProperties().forEach(b::property);
            for (CompressionReport.Quality q : report.quality()) {
                b.metric(q.metric(), q.after());
            }
            b.tags("compressed", report.technique());
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("maas-compressed-");
        } catch (IOException e) {
            throw new RepositoryException("cannot create a temporary folder", e);
        }
        try {
            parameters.save(dir.resolve(CompressedBlockBackend.FILE));
            return service.publish(ModelPackage.of(b.build(), dir));
        } finally {
            RecommenderCompression.deleteRecursively(dir);
        }
    }
}
