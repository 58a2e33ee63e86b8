package dev.maas.repository;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Small helpers shared by the repository tests: artifact folders and file-tree snapshots. */
final class RepoFixtures {
    private RepoFixtures() {}

    /** Writes a package folder with two artifact files whose content depends on {@code seed}. */
    static Path packageDir(Path parent, String seed) {
        try {
            Path dir = Files.createTempDirectory(parent, "pkg-");
            Files.writeString(dir.resolve("weights.bin"), "weights of " + seed);
            Files.createDirectories(dir.resolve("extra"));
            Files.writeString(dir.resolve("extra/vocab.txt"), "vocab of " + seed + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelPackage pkg(Path parent, String name, String seed) {
        return ModelPackage.of(
                ModelCard.builder(name).task("test").description(seed).build(),
                packageDir(parent, seed));
    }

    /** Returns every path under {@code root} (relative, '/'-separated) with its size or "dir". */
    static TreeMap<String, String> snapshot(Path root) {
        TreeMap<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                out.put(rel, Files.isDirectory(p) ? "dir" : Files.size(p) + " bytes");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Returns what publishes and deletes left behind under a repository root: entries of its {@code
     * .tmp} folder and any {@code .publish-*} name under {@code models}.
     */
    static List<String> leftovers(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(rel -> rel.startsWith(".tmp/") || rel.contains("/.publish-"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hex(byte[] digest) {
        return java.util.HexFormat.of().formatHex(digest);
    }

    static String sha256(Path file) {
        try {
            return hex(
                    java.security.MessageDigest.getInstance("SHA-256")
                            .digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
