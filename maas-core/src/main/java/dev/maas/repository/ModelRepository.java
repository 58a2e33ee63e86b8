package dev.maas.repository;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Stores published model versions and their aliases. Versions are integers assigned at publish and
 * immutable once written; aliases point at versions and move atomically.
 *
 * <p>Implementations must be thread-safe, and safe for several processes sharing one store. {@link
 * FileSystemModelRepository} is the embedded default; other stores (object storage, a database)
 * implement this interface.
 */
public interface ModelRepository {
    /**
     * Publishes a new version: copies and checksums the files, assigns the next version and makes
     * it visible atomically. A failure leaves the previous state intact.
     *
     * @return the card as stored, with version, publish time and checksums
     * @throws dev.maas.RepositoryException if the files cannot be read or written
     */
    ModelCard publish(ModelPackage modelPackage);

    /** Returns the names of all models that have at least one version, sorted. */
    List<String> names();

    /**
     * Returns the cards of every readable version of {@code name}, oldest first. A version whose
     * card cannot be read is left out (and logged); {@link #listing(String)} reports it.
     *
     * @throws dev.maas.ModelNotFoundException if no version exists
     */
    List<ModelCard> versions(String name);

    /**
     * Returns every version of {@code name}, oldest first, each with its card or with why it cannot
     * be used. The default lists {@link #versions(String)}, for stores whose versions are always
     * readable.
     *
     * @throws dev.maas.ModelNotFoundException if no version exists
     */
    default List<ListedVersion> listing(String name) {
        return versions(name).stream().map(ListedVersion::of).toList();
    }

    /**
     * Resolves a reference to the card of one version: a fixed version, the version an alias points
     * at, or the latest.
     *
     * @throws dev.maas.ModelNotFoundException naming what exists when nothing matches
     * @throws dev.maas.MalformedModelException if the version exists but its card cannot be read
     *     (the message says why, and which alias led there)
     */
    ModelCard resolve(ModelRef ref);

    /**
     * Returns the aliases of {@code name} and the versions they point at.
     *
     * @throws dev.maas.ModelNotFoundException if the model has no version
     */
    Map<String, Integer> aliases(String name);

    /**
     * Points {@code alias} of {@code name} at {@code version}, atomically.
     *
     * @throws dev.maas.ModelNotFoundException if the version does not exist
     */
    void setAlias(String name, String alias, int version);

    /**
     * Removes an alias.
     *
     * @return whether it existed
     * @throws dev.maas.ModelNotFoundException if the model has no version
     */
    boolean removeAlias(String name, String alias);

    /**
     * Deletes one version, also one whose card cannot be read.
     *
     * @throws IllegalStateException if an alias points at it (the message names the aliases)
     * @throws dev.maas.ModelNotFoundException if it does not exist
     */
    void delete(String name, int version);

    /**
     * Returns a small document kept with a model (JSON text: its grants, lifecycle, usage), or
     * {@code null} if there is none. Stores that keep no such documents throw {@link
     * UnsupportedOperationException}, the default.
     *
     * @param kind the document's name, matching {@link ModelRef#NAME_PATTERN}
     * @throws dev.maas.ModelNotFoundException if the model has no version
     */
    default String modelDocument(String name, String kind) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " keeps no model documents");
    }

    /**
     * Replaces a model's document {@code kind} with {@code update} applied to the current one
     * ({@code null} when absent; returning {@code null} removes it), atomically: concurrent
     * updates, also from other processes, apply one after the other and none is lost.
     *
     * @return the document as stored now
     * @throws dev.maas.ModelNotFoundException if the model has no version
     * @throws dev.maas.RepositoryException if it cannot be written (nothing changed)
     */
    default String updateModelDocument(String name, String kind, UnaryOperator<String> update) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " keeps no model documents");
    }

    /**
     * Returns a document kept for the whole store (JSON text: principals and teams, access
     * requests), or {@code null} if there is none; see {@link #modelDocument}.
     */
    default String document(String kind) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no documents");
    }

    /** Updates a store-wide document atomically; see {@link #updateModelDocument}. */
    default String updateDocument(String kind, UnaryOperator<String> update) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no documents");
    }

    /**
     * Returns the audit log this store keeps with its models, if it keeps one (a database keeps it
     * in its own tables); the marketplace uses it unless told otherwise. The default keeps none.
     */
    default java.util.Optional<dev.maas.audit.AuditLog> auditLog() {
        return java.util.Optional.empty();
    }

    /**
     * Registers {@code listener} to be told of changes as they happen, also those made by other
     * processes, and returns whether this repository reports changes at all. The default reports
     * none and returns {@code false}: readers then see other processes' changes by reading again
     * (the {@link FileSystemModelRepository} is such a store).
     */
    default boolean addListener(RepositoryListener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        return false;
    }

    /** Stops telling {@code listener} of changes; nothing happens if it was not registered. */
    default void removeListener(RepositoryListener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Returns a local folder holding the artifact files of {@code card}, each checked against the
     * SHA-256 recorded in the card.
     *
     * @throws dev.maas.ChecksumMismatchException naming the first file that does not match
     * @throws dev.maas.MalformedModelException if a file is missing, or the folder holds a file the
     *     card does not list
     */
    Path verifiedArtifacts(ModelCard card);
}
