package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.repository.FileSystemModelRepository;
import dev.maas.repository.ModelRepository;
import dev.maas.repository.RepositoryListener;
import dev.maas.testing.TextBackend;
import dev.maas.testing.TextBackend.TextModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository that reports a change and then cannot answer: the service keeps serving what it
 * resolved, and sees the change once the repository answers again. The repository is a file-system
 * one behind a switch that makes every read fail, as a database that went away does; changes made
 * "elsewhere" go to the file-system repository directly, and the test tells the listeners itself.
 */
class ModelServiceRepositoryDownTest {
    @TempDir Path tmp;

    private FileSystemModelRepository files;
    private SwitchableRepository repository;
    private ModelService maas;

    @BeforeEach
    void setUp() throws IOException {
        files = new FileSystemModelRepository(tmp.resolve("repo"));
        files.publish(pkg("one"));
        files.publish(pkg("two"));
        files.setAlias("m", "production", 1);
        repository = new SwitchableRepository(files);
        maas =
                ModelService.builder()
                        .repository(repository)
                        .backends(List.of(new TextBackend()))
                        // Far past the test: only the change notifications make it resolve again.
                        .resolveRefresh(Duration.ofHours(1))
                        .build();
    }

    @AfterEach
    void tearDown() {
        maas.close();
    }

    @Test
    void changeReportedWhileDown_keepsServingTheLoadedVersion_andSeesTheChangeWhenBack()
            throws Exception {
        ModelRef production = ModelRef.alias("m", "production");
        assertThat(text(production)).isEqualTo("one");
        assertThat(repository.listeners).hasSize(1);

        files.setAlias("m", "production", 2); // moved by another process
        repository.down = true;
        int failedBefore = repository.failed.get();
        repository.fire("m");
        assertThat(text(production)).isEqualTo("one");
        // The service tried to resolve again, and could not.
        awaitTrue(() -> repository.failed.get() >= failedBefore + 1);
        assertThat(text(production)).isEqualTo("one");
        // "Anything may have changed", as after a reconnection: told again until a second try
        // ran, as one told while the first still runs joins it.
        awaitTrue(
                () -> {
                    repository.fire(null);
                    return repository.failed.get() >= failedBefore + 2;
                });
        for (int i = 0; i < 20; i++) {
            assertThat(text(production)).isEqualTo("one");
            assertThat(maas.resolve(production).version()).isEqualTo(1);
        }
        // A reference never resolved before has nothing to fall back on: the precise error.
        assertThatThrownBy(() -> maas.resolve(ModelRef.of("m", 2)))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("repository down");

        repository.down = false;
        repository.fire("m");
        awaitTrue(() -> text(production).equals("two"));
        assertThat(maas.resolve(production).version()).isEqualTo(2);
    }

    @Test
    void referenceRemovedElsewhere_isReportedMissingAfterTheNotification() throws Exception {
        ModelRef production = ModelRef.alias("m", "production");
        assertThat(text(production)).isEqualTo("one");

        assertThat(files.removeAlias("m", "production")).isTrue();
        repository.fire("m");
        awaitTrue(
                () -> {
                    try {
                        maas.resolve(production);
                        return false;
                    } catch (ModelNotFoundException e) {
                        return true;
                    }
                });
        assertThatThrownBy(() -> text(production))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("production");
    }

    @Test
    void noticeWhileAnEarlierReadRuns_isReadAgain_andTheEarlierReadDoesNotWin() throws Exception {
        ModelRef production = ModelRef.alias("m", "production");
        assertThat(text(production)).isEqualTo("one");

        // A first notice starts a read that sees version 1 and is slow to answer.
        CountDownLatch release = new CountDownLatch(1);
        repository.holdNextRead = release;
        repository.fire("m");
        assertThat(repository.heldRead.await(30, TimeUnit.SECONDS)).isTrue();
        // The alias moves after that read, and a second notice says so: it must not be folded
        // into the read already running, which would miss the move until the next poll.
        files.setAlias("m", "production", 2);
        repository.fire("m");
        awaitTrue(() -> maas.resolve(production).version() == 2);
        release.countDown();
        assertThat(repository.heldReadDone.await(30, TimeUnit.SECONDS)).isTrue();
        // The stale answer arrives last and is dropped: both reads have ended, 2 stays.
        awaitTrue(() -> text(production).equals("two"));
        for (int i = 0; i < 20; i++) {
            assertThat(maas.resolve(production).version()).isEqualTo(2);
            Thread.sleep(1);
        }
    }

    private String text(ModelRef ref) {
        return maas.apply(ref, TextModel.class, m -> m.text);
    }

    private ModelPackage pkg(String text) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        Files.writeString(dir.resolve("model.txt"), text);
        return ModelPackage.of(
                ModelCard.builder("m").task("test").engine("text").format("txt").build(), dir);
    }

    private static void awaitTrue(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("within 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Delegates to a file-system repository, or fails every call while {@link #down}. */
    private static final class SwitchableRepository implements ModelRepository {
        final ModelRepository delegate;
        final List<RepositoryListener> listeners = new CopyOnWriteArrayList<>();
        final AtomicInteger failed = new AtomicInteger();
        volatile boolean down;

        /** When set, the next resolve reads, then waits for it before answering. */
        volatile CountDownLatch holdNextRead;

        final CountDownLatch heldRead = new CountDownLatch(1);
        final CountDownLatch heldReadDone = new CountDownLatch(1);

        SwitchableRepository(ModelRepository delegate) {
            this.delegate = delegate;
        }

        void fire(String name) {
            listeners.forEach(l -> l.changed(name));
        }

        private void check() {
            if (down) {
                failed.incrementAndGet();
                throw new RepositoryException("repository down (switched off by the test)");
            }
        }

        @Override
        public boolean addListener(RepositoryListener listener) {
            listeners.add(listener);
            return true;
        }

        @Override
        public void removeListener(RepositoryListener listener) {
            listeners.remove(listener);
        }

        @Override
        public ModelCard publish(ModelPackage modelPackage) {
            check();
            return delegate.publish(modelPackage);
        }

        @Override
        public List<String> names() {
            check();
            return delegate.names();
        }

        @Override
        public List<ModelCard> versions(String name) {
            check();
            return delegate.versions(name);
        }

        @Override
        public ModelCard resolve(ModelRef ref) {
            check();
            ModelCard card = delegate.resolve(ref);
            CountDownLatch hold = holdNextRead;
            if (hold != null) {
                holdNextRead = null;
                heldRead.countDown();
                try {
                    hold.await(); // answers what it read before whatever happens meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                heldReadDone.countDown();
            }
            return card;
        }

        @Override
        public Map<String, Integer> aliases(String name) {
            check();
            return delegate.aliases(name);
        }

        @Override
        public void setAlias(String name, String alias, int version) {
            check();
            delegate.setAlias(name, alias, version);
        }

        @Override
        public boolean removeAlias(String name, String alias) {
            check();
            return delegate.removeAlias(name, alias);
        }

        @Override
        public void delete(String name, int version) {
            check();
            delegate.delete(name, version);
        }

        @Override
        public Path verifiedArtifacts(ModelCard card) {
            check();
            return delegate.verifiedArtifacts(card);
        }
    }
}
