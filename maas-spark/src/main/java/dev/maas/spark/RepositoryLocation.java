package dev.maas.spark;

import dev.maas.ModelService;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the driver and every executor find published models: a folder all machines of the cluster
 * can read (a shared or network file system mounted at the same path everywhere). Executors open
 * one {@link ModelService} per location and JVM, see {@link ExecutorModels}.
 *
 * <p>Immutable, serializable (it travels with Spark's tasks) and thread-safe.
 */
public final class RepositoryLocation implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String root;

    private RepositoryLocation(String root) {
        this.root = root;
    }

    /**
     * Returns the location of the repository folder {@code root}, made absolute here so that
     * executors started in other working folders find the same place.
     */
    public static RepositoryLocation folder(Path root) {
        Objects.requireNonNull(root, "root");
        return new RepositoryLocation(root.toAbsolutePath().normalize().toString());
    }

    /** Returns the folder, as seen from every machine. */
    public Path root() {
        return Path.of(root);
    }

    /** The key of the per-JVM service registry. */
    String key() {
        return "folder:" + root;
    }

    /** Opens a service on this repository (called once per JVM by {@link ExecutorModels}). */
    ModelService open() {
        return ModelService.builder().root(Path.of(root)).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepositoryLocation other && other.root.equals(root);
    }

    @Override
    public int hashCode() {
        return root.hashCode();
    }

    @Override
    public String toString() {
        return root;
    }
}
