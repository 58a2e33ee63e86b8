package dev.maas.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks an uploaded model package (a zip, a tar or a gzip-compressed tar of the model folder)
 * into a fresh temporary folder, refusing anything that is not a plain file or folder inside it.
 *
 * <p>Refused, each with an {@link IllegalArgumentException} naming the entry and what was expected:
 * absolute paths, {@code ..} or empty parts, drive letters, links and devices, the same path twice,
 * more than {@link Limits#maxEntries()} entries, more than {@link Limits#maxUploadBytes()} bytes
 * uploaded or {@link Limits#maxUnpackedBytes()} unpacked (a decompression bomb stops there), and
 * bodies that are none of the three formats. The caller deletes the folder ({@link #delete}); on a
 * refusal this class deletes it itself, so nothing is left behind.
 *
 * <p>{@code model-card.json} beside the model's files is taken out: it is the card's text. Entries
 * may start with {@code ./}; an archive whose only top-level entry is a folder is read as that
 * folder's contents.
 *
 * <p>Stateless; each call is independent.
 */
final class ModelUpload {
    /** The card file's name in a package. */
    static final String CARD_FILE = dev.maas.ModelPackage.CARD_FILE;

    /**
     * Bounds on one upload.
     *
     * @param maxUploadBytes most bytes of the request body
     * @param maxUnpackedBytes most bytes of the files once unpacked
     * @param maxEntries most entries (files and folders)
     */
    record Limits(long maxUploadBytes, long maxUnpackedBytes, int maxEntries) {
        /** 512 MiB uploaded, 2 GiB unpacked, 10,000 entries. */
        static final Limits DEFAULT = new Limits(512L << 20, 2L << 30, 10_000);

        Limits {
            if (maxUploadBytes <= 0 || maxUnpackedBytes <= 0 || maxEntries <= 0) {
                throw new IllegalArgumentException("upload limits must be positive");
            }
        }
    }

    /**
     * What an upload holds.
     *
     * @param root the temporary folder to delete afterwards
     * @param folder the folder holding the model's files (the root or its only sub-folder)
     * @param cardJson the text of {@code model-card.json}, or {@code null} when there is none
     */
    record Unpacked(Path root, Path folder, String cardJson) {}

    private static final int MAX_CARD_BYTES = 1 << 20;
    private static final int MAX_NAME_BYTES = 4096;

    private ModelUpload() {}

    /**
     * Unpacks {@code body} into a new temporary folder.
     *
     * @throws IllegalArgumentException if the archive is refused (nothing is left on disk)
     * @throws IOException if the body cannot be read or the files written
     */
    static Unpacked unpack(InputStream body, Limits limits) throws IOException {
        Path dir = Files.createTempDirectory("maas-upload-");
        try {
            Sink sink = new Sink(dir, limits);
            InputStream in =
                    new BufferedInputStream(new CountingInput(body, limits.maxUploadBytes()));
            in.mark(512);
            byte[] head = in.readNBytes(512);
            in.reset();
            if (head.length >= 4 && head[0] == 'P' && head[1] == 'K') {
                readZip(in, sink);
            } else if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                readTar(new BufferedInputStream(new GZIPInputStream(in)), sink);
            } else if (head.length == 512 && TarReader.isHeader(head)) {
                readTar(in, sink);
            } else {
                throw new IllegalArgumentException(
                        "the model package is not a zip, tar or tar.gz archive (expected the"
                                + " model folder packed by zip or tar)");
            }
            if (sink.files == 0) {
                throw new IllegalArgumentException(
                        "the model package holds no files: expected the model's files, and"
                                + " model-card.json unless it is a recommender folder");
            }
            Path folder = single(dir);
            Path cardFile = folder.resolve(CARD_FILE);
            String card = null;
            if (Files.isRegularFile(cardFile)) {
                if (Files.size(cardFile) > MAX_CARD_BYTES) {
                    throw new IllegalArgumentException(
                            CARD_FILE + " is larger than " + MAX_CARD_BYTES + " bytes");
                }
                card = Files.readString(cardFile, StandardCharsets.UTF_8);
                Files.delete(cardFile);
            }
            return new Unpacked(dir, folder, card);
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            delete(dir);
            throw new IllegalArgumentException(
                    "the archive is truncated or corrupt ("
                            + e.getMessage()
                            + "); expected a whole zip, tar or tar.gz file");
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    /** The folder that holds the model: the root, or its only sub-folder when that is all. */
    private static Path single(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            var children = list.toList();
            if (children.size() == 1 && Files.isDirectory(children.get(0))) {
                return children.get(0);
            }
        }
        return dir;
    }

    private static void readZip(InputStream in, Sink sink) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(in, StandardCharsets.UTF_8)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.isDirectory()) {
                    sink.folder(e.getName());
                } else {
                    sink.file(e.getName(), zip);
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException("the zip archive is malformed: " + e.getMessage());
        }
    }

    private static void readTar(InputStream in, Sink sink) throws IOException {
        TarReader tar = new TarReader(in, MAX_NAME_BYTES);
        TarReader.Entry e;
        while ((e = tar.next()) != null) {
            switch (e.type()) {
                case FOLDER -> sink.folder(e.name());
                case FILE -> sink.file(e.name(), tar.content());
                default ->
                        throw new IllegalArgumentException(
                                "entry '"
                                        + shown(e.name())
                                        + "' is a "
                                        + e.type().name().toLowerCase(java.util.Locale.ROOT)
                                        + ": a model package holds only files and folders");
            }
        }
    }

    /** Where entries go, with the counts the limits apply to. */
    private static final class Sink {
        private final Path dir;
        private final Limits limits;
        private final Set<String> seen = new HashSet<>();
        private long unpacked;
        private int entries;
        private int files;

        Sink(Path dir, Limits limits) {
            this.dir = dir;
            this.limits = limits;
        }

        void folder(String name) throws IOException {
            count();
            String rel = relative(name, true);
            if (rel.isEmpty()) {
                return;
            }
            Path p = inside(rel);
            try {
                Files.createDirectories(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new IllegalArgumentException(
                        "entry '" + shown(name) + "' is a folder and a file at once");
            }
        }

        void file(String name, InputStream content) throws IOException {
            count();
            String rel = relative(name, false);
            if (!seen.add(rel)) {
                throw new IllegalArgumentException(
                        "entry '" + shown(name) + "' appears twice in the model package");
            }
            Path p = inside(rel);
            try {
                Files.createDirectories(p.getParent());
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new IllegalArgumentException(
                        "entry '" + shown(name) + "' lies under a file of the same name");
            }
            try (OutputStream out =
                    Files.newOutputStream(
                            p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = content.read(buf)) > 0) {
                    unpacked += n;
                    if (unpacked > limits.maxUnpackedBytes()) {
                        throw new IllegalArgumentException(
                                "the model package unpacks to more than "
                                        + limits.maxUnpackedBytes()
                                        + " bytes (the limit); nothing was published");
                    }
                    out.write(buf, 0, n);
                }
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new IllegalArgumentException(
                        "entry '" + shown(name) + "' appears twice in the model package");
            }
            files++;
        }

        private void count() {
            if (++entries > limits.maxEntries()) {
                throw new IllegalArgumentException(
                        "the model package has more than "
                                + limits.maxEntries()
                                + " entries (the limit)");
            }
        }

        /** The entry's path relative to the package root, checked. */
        private String relative(String name, boolean folder) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("an entry of the model package has no name");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\\') {
                    throw new IllegalArgumentException(
                            "entry '"
                                    + shown(name)
                                    + "' is refused: control characters and backslashes are not"
                                    + " allowed in names");
                }
            }
            if (name.startsWith("/") || name.contains(":")) {
                throw new IllegalArgumentException(
                        "entry '"
                                + shown(name)
                                + "' is refused: its path is absolute; expected paths relative to"
                                + " the model folder");
            }
            String rel = name;
            while (rel.startsWith("./")) {
                rel = rel.substring(2);
            }
            if (folder && rel.endsWith("/")) {
                rel = rel.substring(0, rel.length() - 1);
            }
            if (rel.isEmpty() || rel.equals(".")) {
                if (folder) {
                    return "";
                }
                throw new IllegalArgumentException(
                        "entry '" + shown(name) + "' is refused: it names no file");
            }
            for (String part : rel.split("/", -1)) {
                if (part.equals("..")) {
                    throw new IllegalArgumentException(
                            "entry '"
                                    + shown(name)
                                    + "' is refused: '..' would leave the model folder");
                }
                if (part.isEmpty() || part.equals(".")) {
                    throw new IllegalArgumentException(
                            "entry '"
                                    + shown(name)
                                    + "' is refused: empty or '.' parts are not allowed");
                }
            }
            return rel;
        }

        /** Resolves a checked relative path, and checks again that it stays inside. */
        private Path inside(String rel) {
            Path p = dir.resolve(rel).normalize();
            if (!p.startsWith(dir) || p.equals(dir)) {
                throw new IllegalArgumentException(
                        "entry '" + shown(rel) + "' is refused: it would leave the model folder");
            }
            return p;
        }
    }

    static String shown(String name) {
        String s = name.length() > 120 ? name.substring(0, 120) + "..." : name;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    /** Deletes a folder and everything under it; quietly, a leftover is only wasted space. */
    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ModelUpload.class)
                    .warn("cannot delete upload folder {}: {}", dir, e.toString());
        }
    }

    /** Counts body bytes and refuses more than the limit. */
    private static final class CountingInput extends java.io.FilterInputStream {
        private final long max;
        private long count;

        CountingInput(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(long n) {
            count += n;
            if (count > max) {
                throw new IllegalArgumentException(
                        "the model package is larger than "
                                + max
                                + " bytes (the upload limit); nothing was published");
            }
        }
    }
}
