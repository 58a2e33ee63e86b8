package dev.maas.recommend;

import dev.maas.MalformedModelException;
import dev.maas.recommend.train.FactorModel;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;

/**
 * The files of a published recommender (format {@value #FORMAT}), written at publish time and read
 * by {@link RecommenderBackend}. Everything serving needs, readable without an engine:
 *
 * <ul>
 *   <li>the {@link FactorModel} files ({@code factor-model.json} and what it lists: factors and
 *       biases in {@code factors.safetensors}, or in {@code .f32} files for versions published
 *       before, user and item ids, item titles and genres), checked on load;
 *   <li>{@code seen.bin}: the items each user interacted with in the training data, as a
 *       little-endian int32 CSR ({@code users + 1} offsets, then sorted item indices), left out of
 *       recommendations by default;
 *   <li>{@code recommender.properties}: this format's version, how the factors are stored ({@code
 *       factors.format}: {@code safetensors}; absent, {@code f32}, in folders written before), and
 *       the evaluation metrics ({@code metric.*}) and data summary ({@code data.*}) that go into
 *       the published card.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class RecommenderArtifact {
    /** The artifact format name used in model cards. */
    static final String FORMAT = "factors";

    static final String MANIFEST = "recommender.properties";
    static final String MODEL_HEADER = "factor-model.json";
    static final String SEEN = "seen.bin";
    static final int FORMAT_VERSION = 1;

    /** Manifest key naming how the factors are stored; absent in folders written before. */
    static final String FACTORS_FORMAT = "factors.format";

    private RecommenderArtifact() {}

    /** What is read back: the model and the seen items. */
    record Contents(FactorModel model, int[] seenOffsets, int[] seenItems) {}

    /** Returns whether {@code dir} looks like this format. */
    static boolean looksLike(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST))
                && Files.isRegularFile(dir.resolve(MODEL_HEADER));
    }

    /**
     * Writes {@code contents} into {@code dir} (created if needed), with {@code info} (metrics,
     * data summary, card fields) in the manifest. The manifest is written last, so a folder that
     * {@link #looksLike} a recommender is complete. {@code encoder} chooses how the factor tensors
     * are stored.
     *
     * @throws UncheckedIOException if a file cannot be written
     */
    static void write(
            Path dir,
            Contents c,
            Map<String, String> info,
            dev.maas.recommend.train.FactorEncoder encoder) {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(MANIFEST));
            c.model().save(dir, encoder);
            ByteBuffer seen =
                    ByteBuffer.allocate((c.seenOffsets().length + c.seenItems().length) * 4)
                            .order(ByteOrder.LITTLE_ENDIAN);
            seen.asIntBuffer().put(c.seenOffsets()).put(c.seenItems());
            try (FileChannel ch =
                    FileChannel.open(
                            dir.resolve(SEEN),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE)) {
                while (seen.hasRemaining()) {
                    ch.write(seen);
                }
            }
            Properties p = new Properties();
            p.setProperty("format", FORMAT);
            p.setProperty("format.version", Integer.toString(FORMAT_VERSION));
            p.setProperty("kind", kind(c.model()));
            p.setProperty(FACTORS_FORMAT, FactorModel.factorsFormat(dir));
            info.forEach(p::setProperty);
            try (Writer out =
                    Files.newBufferedWriter(dir.resolve(MANIFEST), StandardCharsets.UTF_8)) {
                p.store(out, "maas recommender");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write recommender to " + dir, e);
        }
    }

    /** Returns the model family as written in cards: {@code biased-mf}, {@code bpr-mf}, ... */
    static String kind(FactorModel model) {
        return model.type().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Reads only the manifest of the recommender in {@code dir}.
     *
     * @throws UncheckedIOException if it cannot be read
     */
    static Properties readManifest(Path dir) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(MANIFEST), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(MANIFEST), e);
        }
        return p;
    }

    /**
     * Reads the files in {@code dir}; {@code what} names the model in messages.
     *
     * @throws MalformedModelException if a file is missing, of the wrong size or inconsistent
     */
    static Contents read(Path dir, String what) {
        Properties manifest;
        try {
            manifest = readManifest(dir);
        } catch (UncheckedIOException e) {
            throw new MalformedModelException(
                    what + ": cannot read " + MANIFEST + ": " + e.getCause().getMessage(), e);
        }
        String version = manifest.getProperty("format.version");
        if (!Integer.toString(FORMAT_VERSION).equals(version)) {
            throw new MalformedModelException(
                    what
                            + ": "
                            + MANIFEST
                            + " has format.version "
                            + version
                            + ", this maas-recommend reads version "
                            + FORMAT_VERSION);
        }
        FactorModel model;
        try {
            model = FactorModel.load(dir);
        } catch (MalformedModelException | UncheckedIOException | IllegalArgumentException e) {
            throw new MalformedModelException(what + ": " + e.getMessage(), e);
        }
        int users = model.numUsers();
        int items = model.numItems();
        IntBuffer ints;
        try {
            long size = Files.size(dir.resolve(SEEN));
            if (size % 4 != 0 || size < 4L * (users + 1) || size > Integer.MAX_VALUE - 8) {
                throw new MalformedModelException(
                        what
                                + ": "
                                + SEEN
                                + " has "
                                + size
                                + " bytes, expected 4 x ("
                                + (users + 1)
                                + " offsets + seen items)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(dir.resolve(SEEN), StandardOpenOption.READ)) {
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // until full
                }
            }
            ints = buf.flip().asIntBuffer();
        } catch (IOException e) {
            throw new MalformedModelException(what + ": cannot read " + SEEN + ": " + e, e);
        }
        int[] offsets = new int[users + 1];
        ints.get(offsets);
        int[] seen = new int[ints.remaining()];
        ints.get(seen);
        if (offsets[0] != 0 || offsets[users] != seen.length) {
            throw new MalformedModelException(
                    what
                            + ": "
                            + SEEN
                            + " offsets span "
                            + offsets[0]
                            + ".."
                            + offsets[users]
                            + ", expected 0.."
                            + seen.length);
        }
        for (int u = 0; u < users; u++) {
            if (offsets[u + 1] < offsets[u]) {
                throw new MalformedModelException(
                        what + ": " + SEEN + " offsets decrease at user index " + u);
            }
        }
        for (int i : seen) {
            if (i < 0 || i >= items) {
                throw new MalformedModelException(
                        what
                                + ": "
                                + SEEN
                                + " names item index "
                                + i
                                + ", expected 0.."
                                + (items - 1));
            }
        }
        return new Contents(model, offsets, seen);
    }
}
