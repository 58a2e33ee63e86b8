package dev.maas.engine.tensorflow;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * Extracts the natives of a jar into a cache folder from a separate JVM, for the test of concurrent
 * processes. Arguments: natives jar, cache folder, platform. Prints the folder used.
 */
final class ExtractNativesMain {
    private ExtractNativesMain() {}

    public static void main(String[] args) throws Exception {
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {Path.of(args[0]).toUri().toURL()}, null)) {
            Path dir =
                    TensorFlowNatives.extract(
                            TensorFlowNatives.locate(loader, args[2]), Path.of(args[1]));
            System.out.println(dir);
        }
    }
}
