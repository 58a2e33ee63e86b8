package dev.maas.engine.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.maas.EngineUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extraction of the natives, on small natives jars written by the test (the real one is 150 MB; the
 * end-to-end tests use it).
 */
class TensorFlowNativesTest {
    private static final String PLATFORM = "linux-x86_64";
    private static final String JNI = System.mapLibraryName("jnitensorflow");

    @TempDir Path tmp;

    /** Writes a natives jar holding {@code files} (path inside the jar to content). */
    private Path jar(String name, Map<String, byte[]> files) throws IOException {
        Path jar = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream zip = new JarOutputStream(out)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                zip.putNextEntry(new JarEntry(f.getKey()));
                zip.write(f.getValue());
                zip.closeEntry();
            }
        }
        return jar;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A jar like tensorflow-core-native's: libraries, a license, a sub-folder and a pom. */
    private Map<String, byte[]> nativesFiles(String flavour, int libSize) {
        String dir = TensorFlowNatives.RESOURCE_ROOT + flavour + "/";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(dir + JNI, bytes(libSize, 1));
        files.put(dir + "libtensorflow_cc.so.2", bytes(libSize * 3, 2));
        files.put(dir + "libtensorflow_framework.so.2", bytes(libSize / 2, 3));
        files.put(dir + "LICENSE", "license".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.put(dir + "THIRD_PARTY_TF_JNI_LICENSES/x", bytes(10, 4));
        files.put(
                "META-INF/maven/org.tensorflow/tensorflow-core-native/pom.properties",
                "version=1.0.0-rc.1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return files;
    }

    private static URLClassLoader loaderOf(Path... entries) throws IOException {
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = entries[i].toUri().toURL();
        }
        return new URLClassLoader(urls, null);
    }

    private static List<String> leftovers(Path cache) throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".tmp-"))
                    .toList();
        }
    }

    private static void assertSameFiles(Path extracted, Map<String, byte[]> files, String flavour)
            throws IOException {
        String dir = TensorFlowNatives.RESOURCE_ROOT + flavour + "/";
        int expected = 0;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String name = f.getKey();
            if (name.startsWith(dir) && name.indexOf('/', dir.length()) < 0) {
                expected++;
                assertThat(extracted.resolve(name.substring(dir.length())))
                        .hasBinaryContent(f.getValue());
            }
        }
        try (Stream<Path> list = Files.list(extracted)) {
            assertThat(list.count()).isEqualTo(expected);
        }
    }

    @Test
    void extract_copiesThePlatformFolder_intoAVersionedCacheFolder() throws IOException {
        Map<String, byte[]> files = nativesFiles(PLATFORM, 4096);
        Path cache = tmp.resolve("cache");
        try (URLClassLoader loader = loaderOf(jar("natives.jar", files))) {
            TensorFlowNatives.Located located = TensorFlowNatives.locate(loader, PLATFORM);
            Path dir = TensorFlowNatives.extract(located, cache);

            assertThat(located.flavour()).isEqualTo(PLATFORM);
            assertThat(dir.getParent()).isEqualTo(cache);
            assertThat(dir.getFileName().toString())
                    .startsWith("tensorflow-core-native-1.0.0-rc.1-" + PLATFORM + "-");
            assertSameFiles(dir, files, PLATFORM);
            assertThat(leftovers(cache)).isEmpty();
        }
    }

    @Test
    void extract_reusesACompleteCopy_andRepairsAnIncompleteOne() throws IOException {
        Map<String, byte[]> files = nativesFiles(PLATFORM, 4096);
        Path cache = tmp.resolve("cache");
        try (URLClassLoader loader = loaderOf(jar("natives.jar", files))) {
            TensorFlowNatives.Located located = TensorFlowNatives.locate(loader, PLATFORM);
            Path dir = TensorFlowNatives.extract(located, cache);
            FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(3)));
            Files.setLastModifiedTime(dir.resolve(JNI), old);

            assertThat(TensorFlowNatives.extract(located, cache)).isEqualTo(dir);
            assertThat(Files.getLastModifiedTime(dir.resolve(JNI))).isEqualTo(old);

            // A copy cut short (disk full, someone cleaning up) is replaced by a complete one.
            Files.write(dir.resolve("libtensorflow_cc.so.2"), new byte[10]);
            assertThat(TensorFlowNatives.extract(located, cache)).isEqualTo(dir);
            assertSameFiles(dir, files, PLATFORM);
            assertThat(leftovers(cache)).isEmpty();
        }
    }

    @Test
    void extract_concurrentCallers_allGetOneCompleteCopy() throws Exception {
        Map<String, byte[]> files = nativesFiles(PLATFORM, 1 << 20);
        Path cache = tmp.resolve("cache");
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (URLClassLoader loader = loaderOf(jar("natives.jar", files))) {
            TensorFlowNatives.Located located = TensorFlowNatives.locate(loader, PLATFORM);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    return TensorFlowNatives.extract(located, cache);
                                }));
            }
            start.countDown();
            Path first = results.get(0).get();
            for (Future<Path> r : results) {
                assertThat(r.get()).isEqualTo(first);
            }
            assertSameFiles(first, files, PLATFORM);
            assertThat(leftovers(cache)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void extract_concurrentProcesses_shareOneCopy_extractedOnce() throws Exception {
        Map<String, byte[]> files = nativesFiles(PLATFORM, 1 << 20);
        Path jar = jar("natives.jar", files);
        Path cache = tmp.resolve("cache");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            processes.add(
                    new ProcessBuilder(
                                    javaBin,
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    ExtractNativesMain.class.getName(),
                                    jar.toString(),
                                    cache.toString(),
                                    PLATFORM)
                            .redirectOutput(tmp.resolve("out-" + i).toFile())
                            .redirectError(tmp.resolve("err-" + i).toFile())
                            .start());
        }
        int extractions = 0;
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            assertThat(processes.get(i).waitFor(60, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(tmp.resolve("err-" + i));
            assertThat(processes.get(i).exitValue()).as(err).isZero();
            extractions += err.split("extracted the TensorFlow natives", -1).length - 1;
            dirs.add(Files.readString(tmp.resolve("out-" + i)).trim());
        }

        assertThat(dirs).hasSize(3).containsOnly(dirs.get(0));
        assertThat(extractions).isEqualTo(1);
        assertSameFiles(Path.of(dirs.get(0)), files, PLATFORM);
        assertThat(leftovers(cache)).isEmpty();
    }

    @Test
    void extract_deletesLeftoversOfAbandonedExtractions_only() throws IOException {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Path abandoned = Files.createDirectories(cache.resolve(".tmp-crashed-1"));
        Files.write(abandoned.resolve(JNI), new byte[100]);
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minusSeconds(7200)));
        Path running = Files.createDirectories(cache.resolve(".tmp-running-2"));

        try (URLClassLoader loader = loaderOf(jar("natives.jar", nativesFiles(PLATFORM, 64)))) {
            TensorFlowNatives.extract(TensorFlowNatives.locate(loader, PLATFORM), cache);
        }

        assertThat(abandoned).doesNotExist();
        assertThat(running).exists();
    }

    @Test
    void extract_readsAnUnpackedClassPathFolder() throws IOException {
        Path classes = tmp.resolve("classes");
        Map<String, byte[]> files = nativesFiles(PLATFORM, 1000);
        files.remove("META-INF/maven/org.tensorflow/tensorflow-core-native/pom.properties");
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = classes.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        try (URLClassLoader loader = loaderOf(classes)) {
            Path dir =
                    TensorFlowNatives.extract(
                            TensorFlowNatives.locate(loader, PLATFORM), tmp.resolve("cache"));

            assertThat(dir.getFileName().toString())
                    .startsWith("tensorflow-core-native-unknown-" + PLATFORM + "-");
            assertSameFiles(dir, files, PLATFORM);
        }
    }

    @Test
    void locate_prefersTheGpuFlavour_whenItsJarIsPresent() throws IOException {
        Path cpu = jar("cpu.jar", nativesFiles(PLATFORM, 64));
        Path gpu = jar("gpu.jar", nativesFiles(PLATFORM + "-gpu", 128));
        try (URLClassLoader loader = loaderOf(cpu, gpu)) {
            assertThat(TensorFlowNatives.locate(loader, PLATFORM).flavour())
                    .isEqualTo(PLATFORM + "-gpu");
        }
    }

    @Test
    void locate_withoutNatives_namesTheArtifactToAdd() throws IOException {
        Path other = jar("other.jar", nativesFiles("macosx-arm64", 64));
        try (URLClassLoader loader = loaderOf(other)) {
            assertThatThrownBy(() -> TensorFlowNatives.locate(loader, PLATFORM))
                    .isInstanceOf(EngineUnavailableException.class)
                    .hasMessageContaining(
                            "org.tensorflow:tensorflow-core-native:1.0.0-rc.1:" + PLATFORM)
                    .hasMessageContaining(PLATFORM + "-gpu")
                    .hasMessageContaining("TENSORFLOW_LIBRARY_PATH");
        }
    }

    @Test
    void platform_usesTheNativesJarNaming() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        assumeThat(os).startsWith("linux");
        assumeThat(arch).isIn("amd64", "x86_64");

        assertThat(TensorFlowNatives.platform()).isEqualTo("linux-x86_64");
    }
}
