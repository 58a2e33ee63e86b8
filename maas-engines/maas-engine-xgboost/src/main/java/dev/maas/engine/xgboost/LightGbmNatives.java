package dev.maas.engine.xgboost;

import dev.maas.EngineUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads LightGBM's natives from the {@code lightgbmlib} jar: {@code lib_lightgbm} and then its JNI
 * wrapper {@code lib_lightgbm_swig}, copied once per process into a temporary folder (the jar
 * carries them for linux, macOS and Windows on x86-64 and loads nothing itself). Thread-safe.
 */
final class LightGbmNatives {
    private static final String ROOT = "com/microsoft/ml/lightgbm/";
    private static Throwable failure;
    private static boolean loaded;

    private LightGbmNatives() {}

    /**
     * Loads the natives on first call.
     *
     * @throws EngineUnavailableException when this platform has no natives or they do not load
     */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        if (failure == null) {
            try {
                loadNow();
                loaded = true;
                return;
            } catch (IOException | RuntimeException | LinkageError e) {
                failure = e;
            }
        }
        throw new EngineUnavailableException(
                "engine LightGBM could not start its natives: " + failure.getMessage(), failure);
    }

    private static void loadNow() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new IllegalStateException(
                    "lightgbmlib carries natives for x86-64 only, this machine is " + arch);
        }
        String dir;
        String ext;
        if (os.contains("linux")) {
            dir = "linux/x86_64/";
            ext = ".so";
        } else if (os.contains("mac")) {
            dir = "osx/x86_64/";
            ext = ".dylib";
        } else if (os.contains("windows")) {
            dir = "windows/x86_64/";
            ext = ".dll";
        } else {
            throw new IllegalStateException("lightgbmlib carries no natives for " + os);
        }
        Path tmp = Files.createTempDirectory("maas-lightgbm");
        tmp.toFile().deleteOnExit();
        for (String name : new String[] {"lib_lightgbm", "lib_lightgbm_swig"}) {
            String resource = ROOT + dir + name + ext;
            Path file = tmp.resolve(name + ext);
            try (InputStream in =
                    LightGbmNatives.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no " + resource + " on the class path");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            file.toFile().deleteOnExit();
            System.load(file.toAbsolutePath().toString());
        }
    }
}
