package dev.maas.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelService;
import dev.maas.RepositoryException;
import dev.maas.audit.AuditAction;
import dev.maas.audit.AuditEntry;
import dev.maas.audit.AuditEvent;
import dev.maas.audit.AuditLog;
import dev.maas.audit.AuditVerification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log in the catalog's database: chained, shared by instances, tamper-evident. */
class PostgresAuditLogTest {
    @TempDir Path tmp;
    private String url;
    private PostgresCatalog catalog;
    private AuditLog log;

    @BeforeEach
    void open() {
        url = TestDatabases.newDatabase("audit");
        catalog = TestDatabases.catalog(url, tmp.resolve("blobs"));
        log = catalog.auditLog().orElseThrow();
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    private static AuditEvent event(String principal, String model, int i) {
        return AuditEvent.builder(principal, AuditAction.ALIAS_SET)
                .model(model)
                .version(i + 1)
                .before(i == 0 ? null : Integer.toString(i))
                .after(Integer.toString(i + 1))
                .detail("reason", "it's \"better\"; DROP TABLE audit_log; --")
                .build();
    }

    @Test
    void append_chainsEntries_andQueriesReadThemBack() {
        AuditEntry first = log.append(event("alice", "ranker", 0));
        AuditEntry second = log.append(event("bob", "other", 1));
        assertThat(first.sequence()).isEqualTo(1);
        assertThat(first.previousHash()).isEqualTo(AuditEntry.GENESIS_HASH);
        assertThat(second.previousHash()).isEqualTo(first.hash());
        assertThat(log.entries()).containsExactly(first, second);
        assertThat(log.forModel("ranker")).containsExactly(first);
        assertThat(log.forPrincipal("bob")).containsExactly(second);
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(2));
    }

    @Test
    void appendsFromTwoInstancesAndManyThreads_formOneChain() throws Exception {
        try (PostgresCatalog other = TestDatabases.catalog(url, tmp.resolve("blobs"))) {
            AuditLog second = other.auditLog().orElseThrow();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    AuditLog target = t % 2 == 0 ? log : second;
                    String principal = "p" + t;
                    futures.add(
                            pool.submit(
                                    () -> {
                                        for (int i = 0; i < 10; i++) {
                                            target.append(event(principal, "m", i));
                                        }
                                    }));
                }
                for (Future<?> f : futures) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(log.entries())
                .extracting(AuditEntry::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 80).boxed().toList());
        assertThat(log.verify().intact()).isTrue();
    }

    @Test
    void editedEntry_isFoundByVerify_andRemovedTail_stopsAppends() {
        for (int i = 0; i < 4; i++) {
            log.append(event("alice", "m", i));
        }
        TestDatabases.execute(url, "UPDATE audit_log SET principal = 'mallory' WHERE sequence = 2");
        AuditVerification edited = log.verify();
        assertThat(edited.intact()).isFalse();
        assertThat(edited.firstBadSequence()).hasValue(2);
        assertThat(edited.problem()).contains("entry 2").contains("edited");
        TestDatabases.execute(url, "UPDATE audit_log SET principal = 'alice' WHERE sequence = 2");
        assertThat(log.verify().intact()).isTrue();

        TestDatabases.execute(url, "DELETE FROM audit_log WHERE sequence = 4");
        AuditVerification cut = log.verify();
        assertThat(cut.intact()).isFalse();
        assertThat(cut.firstBadSequence()).hasValue(4);
        assertThatThrownBy(() -> log.append(event("alice", "m", 9)))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("end is damaged");
        assertThat(log.entries()).hasSize(3);
    }

    @Test
    void marketplace_onTheCatalog_auditsIntoTheDatabase() {
        try (ModelService maas = TextModels.service(catalog, Duration.ofSeconds(1))) {
            assertThat(maas.marketplace().auditLog()).isSameAs(log);
        }
    }
}
