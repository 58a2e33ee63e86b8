package dev.maas.engine.tensorflow;

import dev.maas.EngineUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the TensorFlow natives bundled in {@code org.tensorflow:tensorflow-core-native} usable by
 * DJL's TensorFlow engine without a download.
 *
 * <p>DJL 0.35.1 looks for {@code jnitensorflow} in the folder named by {@code
 * TENSORFLOW_LIBRARY_PATH} (system property or environment variable) before it would download
 * anything. This class copies the libraries of the natives jar found on the class path into a
 * versioned folder of DJL's engine cache and sets that property. The copy is made in a temporary
 * folder and renamed into place, so concurrent threads and JVMs sharing the cache either see a
 * complete folder or none.
 *
 * <p>Thread-safe; {@link #prepare(ClassLoader)} does the work once per JVM.
 */
final class TensorFlowNatives {
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowNatives.class);

    /** Where DJL looks for the TensorFlow libraries before downloading them. */
    static final String LIBRARY_PATH_KEY = "TENSORFLOW_LIBRARY_PATH";

    /** The Maven coordinates of the natives, without the classifier. */
    static final String ARTIFACT = "org.tensorflow:tensorflow-core-native:1.0.0-rc.1";

    /** Folder of the natives inside the jar; the platform folder follows. */
    static final String RESOURCE_ROOT = "org/tensorflow/internal/c_api/";

    private static final String POM_PROPERTIES =
            "META-INF/maven/org.tensorflow/tensorflow-core-native/pom.properties";
    private static final String TMP_PREFIX = ".tmp-";
    private static final String LOCK_FILE = ".lock";
    private static final String JNI_LIBRARY = System.mapLibraryName("jnitensorflow");

    /** Leftovers of an extraction older than this were abandoned by a crashed process. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    /** The folder set up by this class loader, or null before the first success. */
    private static volatile Path prepared;

    private TensorFlowNatives() {}

    /**
     * Points DJL at the natives, extracting them on first use; returns the folder used. Cheap after
     * the first successful call. Leaves a folder set by the user ({@value #LIBRARY_PATH_KEY} as a
     * system property or environment variable) untouched.
     *
     * @throws EngineUnavailableException if no natives for this platform are on the class path or
     *     they cannot be extracted
     */
    static Path prepare(ClassLoader loader) {
        Path done = prepared;
        return done != null ? done : prepareOnce(loader);
    }

    private static synchronized Path prepareOnce(ClassLoader loader) {
        if (prepared != null) {
            return prepared;
        }
        String configured = System.getProperty(LIBRARY_PATH_KEY, System.getenv(LIBRARY_PATH_KEY));
        if (configured != null && !configured.isBlank()) {
            LOG.debug("using TensorFlow natives from {}={}", LIBRARY_PATH_KEY, configured);
            prepared = Path.of(configured.split(java.io.File.pathSeparator)[0]);
            return prepared;
        }
        Path dir = extract(locate(loader, platform()), cacheRoot());
        System.setProperty(LIBRARY_PATH_KEY, dir.toString());
        prepared = dir;
        return dir;
    }

    /** Returns the folder under which extracted natives are kept: DJL's engine cache. */
    static Path cacheRoot() {
        return ai.djl.util.Utils.getEngineCacheDir().resolve("maas");
    }

    /**
     * Returns this machine's platform as the natives jars name it ({@code linux-x86_64}, {@code
     * macosx-arm64}, {@code windows-x86_64}, ...).
     */
    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osPart =
                os.startsWith("mac") || os.startsWith("darwin")
                        ? "macosx"
                        : os.startsWith("windows") ? "windows" : os.replaceAll("[^a-z]", "");
        String archPart =
                switch (arch) {
                    case "amd64", "x86_64", "x86-64" -> "x86_64";
                    case "aarch64", "arm64" -> "arm64";
                    default -> arch;
                };
        return osPart + "-" + archPart;
    }

    /**
     * Finds the natives for {@code platform} on the class path, preferring the GPU flavour ({@code
     * <platform>-gpu}) when its jar is present.
     *
     * @throws EngineUnavailableException naming the artifact to add when there are none
     */
    static Located locate(ClassLoader loader, String platform) {
        for (String flavour : List.of(platform + "-gpu", platform)) {
            URL lib = loader.getResource(RESOURCE_ROOT + flavour + "/" + JNI_LIBRARY);
            if (lib != null) {
                return new Located(flavour, lib);
            }
        }
        throw new EngineUnavailableException(
                "the TensorFlow natives for "
                        + platform
                        + " are not on the class path: add the Maven dependency "
                        + ARTIFACT
                        + ":"
                        + platform
                        + " (or "
                        + ARTIFACT
                        + ":"
                        + platform
                        + "-gpu for CUDA), or set "
                        + LIBRARY_PATH_KEY
                        + " to a folder holding "
                        + JNI_LIBRARY
                        + " and the TensorFlow 2.16.1 libraries");
    }

    /**
     * Extracts the located natives into a versioned folder under {@code cacheRoot}, unless a
     * complete copy is already there; returns that folder.
     *
     * @throws EngineUnavailableException if the natives cannot be read or written
     */
    static Path extract(Located natives, Path cacheRoot) {
        try (Natives source = Natives.open(natives)) {
            Path target = cacheRoot.resolve(source.folderName());
            if (source.isCompleteCopy(target)) {
                LOG.debug("TensorFlow natives already extracted in {}", target);
                return target;
            }
            Files.createDirectories(cacheRoot);
            // One extractor at a time, here and in other JVMs sharing the cache, so that N cold
            // processes do not each write 600 MB; the rename keeps it safe where locks fail.
            synchronized (TensorFlowNatives.class) {
                try (FileChannel lockFile =
                                FileChannel.open(
                                        cacheRoot.resolve(LOCK_FILE),
                                        StandardOpenOption.CREATE,
                                        StandardOpenOption.WRITE);
                        FileLock lock = lockQuietly(lockFile)) {
                    if (source.isCompleteCopy(target)) {
                        LOG.debug("TensorFlow natives extracted meanwhile in {}", target);
                        return target;
                    }
                    extractInto(source, target, cacheRoot);
                }
            }
            return target;
        } catch (IOException | UncheckedIOException e) {
            throw new EngineUnavailableException(
                    "cannot extract the TensorFlow natives ("
                            + natives.flavour()
                            + ") into "
                            + cacheRoot
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private static void extractInto(Natives source, Path target, Path cacheRoot)
            throws IOException {
        long start = System.nanoTime();
        deleteAbandoned(cacheRoot);
        Path tmp = Files.createTempDirectory(cacheRoot, TMP_PREFIX + source.folderName() + "-");
        try {
            source.copyTo(tmp);
            makeReadableByAll(tmp);
            install(tmp, target, source);
        } finally {
            deleteRecursively(tmp);
        }
        LOG.info(
                "extracted the TensorFlow natives ({}) to {} in {} ms",
                source.flavour,
                target,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Locks the whole file, or returns null where the file system cannot lock. */
    private static FileLock lockQuietly(FileChannel channel) {
        try {
            return channel.lock();
        } catch (IOException e) {
            LOG.debug("cannot lock the natives cache, relying on atomic rename only", e);
            return null;
        }
    }

    /** Renames the complete copy {@code tmp} to {@code target}, replacing an incomplete one. */
    private static void install(Path tmp, Path target, Natives source) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                throw e;
            } catch (FileSystemException e) {
                // Another process may have installed its copy first: use that one if complete.
                if (source.isCompleteCopy(target)) {
                    return;
                }
                if (Files.exists(target)) {
                    LOG.warn("replacing incomplete TensorFlow natives in {}", target);
                    Path stale =
                            Files.createTempDirectory(target.getParent(), TMP_PREFIX + "stale-");
                    Files.delete(stale);
                    try {
                        Files.move(target, stale, StandardCopyOption.ATOMIC_MOVE);
                    } catch (FileSystemException moved) {
                        // Someone else moved it meanwhile; try again.
                    }
                    deleteRecursively(stale);
                }
            }
        }
        if (!source.isCompleteCopy(target)) {
            throw new IOException("could not install the natives in " + target);
        }
    }

    /** Removes what extractions that crashed long ago left behind (each can be 600 MB). */
    private static void deleteAbandoned(Path cacheRoot) {
        Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
        try (DirectoryStream<Path> leftovers =
                Files.newDirectoryStream(cacheRoot, TMP_PREFIX + "*")) {
            for (Path p : leftovers) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                    LOG.info("deleting abandoned extraction {}", p);
                    deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clean up {}", cacheRoot, e);
        }
    }

    /**
     * Gives the extracted folder the usual {@code rwxr-xr-x}: temporary folders start private, but
     * the cache may be shared by several users.
     */
    private static void makeReadableByAll(Path dir) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The natives of one flavour found on the class path.
     *
     * @param flavour the platform folder, such as {@code linux-x86_64} or {@code linux-x86_64-gpu}
     * @param jniLibrary where {@code jnitensorflow} was found
     */
    record Located(String flavour, URL jniLibrary) {}

    /** An open view of the natives' files, from a jar or a folder. */
    private abstract static class Natives implements AutoCloseable {
        final String flavour;

        /** The files to copy: name in the platform folder mapped to its size. */
        final Map<String, Long> sizes = new LinkedHashMap<>();

        String version = "unknown";
        final CRC32 fingerprint = new CRC32();

        Natives(String flavour) {
            this.flavour = flavour;
        }

        static Natives open(Located located) throws IOException {
            URL url = located.jniLibrary();
            if ("file".equals(url.getProtocol())) {
                try {
                    return new FolderNatives(located.flavour(), Path.of(url.toURI()).getParent());
                } catch (URISyntaxException e) {
                    throw new IOException("bad natives location " + url, e);
                }
            }
            URLConnection connection = url.openConnection();
            if (connection instanceof JarURLConnection jar) {
                jar.setUseCaches(false);
                return new JarNatives(located.flavour(), jar.getJarFile());
            }
            throw new IOException("cannot read natives from " + url);
        }

        /**
         * Returns the cache folder's name: the natives' version and flavour, plus a fingerprint of
         * the files so that a different build of the same version gets its own folder.
         */
        String folderName() {
            return "tensorflow-core-native-"
                    + version.replaceAll("[^A-Za-z0-9._-]", "_")
                    + "-"
                    + flavour
                    + "-"
                    + String.format("%08x", fingerprint.getValue());
        }

        boolean isCompleteCopy(Path dir) {
            if (!Files.isDirectory(dir)) {
                return false;
            }
            try {
                for (Map.Entry<String, Long> e : sizes.entrySet()) {
                    Path f = dir.resolve(e.getKey());
                    if (!Files.isRegularFile(f) || Files.size(f) != e.getValue()) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        void add(String name, long size, long checksum) {
            sizes.put(name, size);
            fingerprint.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            fingerprint.update(longBytes(size));
            fingerprint.update(longBytes(checksum));
        }

        abstract InputStream read(String name) throws IOException;

        void copyTo(Path dir) throws IOException {
            for (String name : sizes.keySet()) {
                try (InputStream in = read(name)) {
                    Files.copy(in, dir.resolve(name));
                }
            }
        }

        @Override
        public abstract void close() throws IOException;

        private static byte[] longBytes(long v) {
            byte[] b = new byte[8];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (v >>> (8 * i));
            }
            return b;
        }
    }

    /** Natives in a jar: sizes and CRCs come from its central directory, so listing is cheap. */
    private static final class JarNatives extends Natives {
        private final JarFile jar;
        private final String prefix;

        JarNatives(String flavour, JarFile jar) throws IOException {
            super(flavour);
            this.jar = jar;
            this.prefix = RESOURCE_ROOT + flavour + "/";
            List<JarEntry> entries = new ArrayList<>();
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                String name = e.getName();
                if (!e.isDirectory()
                        && name.startsWith(prefix)
                        && name.indexOf('/', prefix.length()) < 0) {
                    entries.add(e);
                }
            }
            entries.sort(Comparator.comparing(JarEntry::getName));
            for (JarEntry e : entries) {
                add(e.getName().substring(prefix.length()), e.getSize(), e.getCrc());
            }
            JarEntry pom = jar.getJarEntry(POM_PROPERTIES);
            if (pom != null) {
                Properties p = new Properties();
                try (InputStream in = jar.getInputStream(pom)) {
                    p.load(in);
                }
                version = p.getProperty("version", version);
            }
        }

        @Override
        InputStream read(String name) throws IOException {
            return jar.getInputStream(jar.getJarEntry(prefix + name));
        }

        @Override
        public void close() throws IOException {
            jar.close();
        }
    }

    /** Natives in a folder (an unpacked class path entry). */
    private static final class FolderNatives extends Natives {
        private final Path dir;

        FolderNatives(String flavour, Path dir) throws IOException {
            super(flavour);
            this.dir = dir;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    add(
                            f.getFileName().toString(),
                            Files.size(f),
                            Files.getLastModifiedTime(f).toMillis());
                }
            }
        }

        @Override
        InputStream read(String name) throws IOException {
            return Files.newInputStream(dir.resolve(name));
        }

        @Override
        public void close() {}
    }
}
