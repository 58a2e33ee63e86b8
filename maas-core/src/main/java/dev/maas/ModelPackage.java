package dev.maas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a user publishes: the card fields of a new model version and the artifact files to copy into
 * the repository. The repository assigns the version, the publish time and the checksums.
 *
 * <p>Immutable and thread-safe once built; the files are read only when published.
 */
public final class ModelPackage {
    private final ModelCard card;
    private final Map<String, Path> files;

    private ModelPackage(ModelCard card, Map<String, Path> files) {
        this.card = card;
        // Insertion order: files are copied in the order they were added.
        this.files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /** Returns a package of every regular file under {@code directory}. */
    public static ModelPackage of(ModelCard card, Path directory) {
        return builder(card).directory(directory).build();
    }

    /** Returns a builder for a package described by {@code card}. */
    public static Builder builder(ModelCard card) {
        return new Builder(card);
    }

    /** Returns the card fields to publish (version, time and checksums are assigned later). */
    public ModelCard card() {
        return card;
    }

    /**
     * Returns each file's path inside the model version, mapped to where it is read from, in the
     * order the files were added.
     */
    public Map<String, Path> files() {
        return files;
    }

    /** Builds {@link ModelPackage}s. Not thread-safe. */
    public static final class Builder {
        private final ModelCard card;
        private final Map<String, Path> files = new LinkedHashMap<>();

        private Builder(ModelCard card) {
            this.card = Objects.requireNonNull(card, "card");
        }

        /**
         * Adds every regular file under {@code directory}, keeping relative paths.
         *
         * @throws IllegalArgumentException if it is not a directory
         * @throws UncheckedIOException if it cannot be listed
         */
        public Builder directory(Path directory) {
            if (!Files.isDirectory(directory)) {
                throw new IllegalArgumentException("not a directory: " + directory);
            }
            try (Stream<Path> walk = Files.walk(directory)) {
                walk.filter(Files::isRegularFile)
                        .sorted()
                        .forEach(
                                f ->
                                        file(
                                                directory
                                                        .relativize(f)
                                                        .toString()
                                                        .replace('\\', '/'),
                                                f));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + directory, e);
            }
            return this;
        }

        /** Adds {@code source} under its own file name. */
        public Builder file(Path source) {
            return file(source.getFileName().toString(), source);
        }

        /**
         * Adds {@code source} as {@code relativePath} inside the model version.
         *
         * @throws IllegalArgumentException if the path is absolute, escapes the version folder, is
         *     the card's own file name, or is added twice
         */
        public Builder file(String relativePath, Path source) {
            Objects.requireNonNull(source, "source");
            String rel = checkRelativePath(relativePath);
            if (files.putIfAbsent(rel, source) != null) {
                throw new IllegalArgumentException("file added twice: " + rel);
            }
            return this;
        }

        /**
         * Returns the package.
         *
         * @throws IllegalArgumentException if no file was added
         */
        public ModelPackage build() {
            if (files.isEmpty()) {
                throw new IllegalArgumentException(
                        "model package '" + card.name() + "' has no files");
            }
            return new ModelPackage(card, files);
        }
    }

    /** The name of the card file in every version folder. */
    public static final String CARD_FILE = "model-card.json";

    /**
     * Checks that {@code relativePath} names a file inside a version folder: relative, without
     * empty, {@code .} or {@code ..} parts, and not the card file.
     *
     * @return the path with {@code /} separators
     * @throws IllegalArgumentException if it is not such a path
     */
    public static String checkRelativePath(String relativePath) {
        Objects.requireNonNull(relativePath, "relativePath");
        String rel = relativePath.replace('\\', '/');
        if (rel.isEmpty() || rel.startsWith("/") || rel.contains(":")) {
            throw new IllegalArgumentException("artifact path must be relative: " + relativePath);
        }
        for (String part : rel.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException(
                        "artifact path must not contain empty, '.' or '..' parts: " + relativePath);
            }
        }
        if (rel.equals(CARD_FILE) || rel.startsWith(".")) {
            throw new IllegalArgumentException("reserved artifact name: " + relativePath);
        }
        return rel;
    }
}
