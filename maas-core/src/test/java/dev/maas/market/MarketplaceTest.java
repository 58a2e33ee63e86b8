package dev.maas.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.AccessDeniedException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.QuotaExceededException;
import dev.maas.Visibility;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.access.UnknownPrincipalException;
import dev.maas.audit.AuditAction;
import dev.maas.audit.AuditEntry;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogQuery;
import dev.maas.testing.TextBackend.TextModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marketplace's workflows as teams use them, each checked end to end on a real repository. */
class MarketplaceTest {
    @TempDir Path tmp;
    private MarketFixture f;

    @BeforeEach
    void open() {
        f = new MarketFixture(tmp);
    }

    @AfterEach
    void close() {
        f.close();
    }

    private ModelCard publishAs(String who, ModelCard card, String text) {
        return f.maas.as(who).publish(f.pkg(card, text));
    }

    private String call(String who, String ref) {
        return f.maas.as(who).apply(ModelRef.parse(ref), TextModel.class, m -> m.text);
    }

    @Test
    void publish_validatesTheCard_andOnlyForOnesOwnTeam() {
        assertThatThrownBy(
                        () ->
                                publishAs(
                                        "alice",
                                        MarketFixture.card("r", "home", Visibility.PUBLIC)
                                                .task("astrology")
                                                .build(),
                                        "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(
                        () ->
                                publishAs(
                                        "alice",
                                        MarketFixture.card("r", "home", Visibility.PUBLIC)
                                                .owner(null)
                                                .build(),
                                        "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("owner");
        assertThatThrownBy(
                        () ->
                                publishAs(
                                        "alice",
                                        MarketFixture.card("r", "search", Visibility.PUBLIC)
                                                .build(),
                                        "x"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("team 'search'");
        assertThat(f.maas.models()).isEmpty();

        ModelCard v1 =
                publishAs("alice", MarketFixture.card("r", "home", Visibility.PUBLIC).build(), "x");
        assertThat(v1.version()).isEqualTo(1);
        // Bob may use a public model but not publish to it.
        assertThat(call("bob", "r")).isEqualTo("x");
        assertThatThrownBy(
                        () ->
                                publishAs(
                                        "bob",
                                        MarketFixture.card("r", "home", Visibility.PUBLIC).build(),
                                        "y"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("needs PUBLISH");
    }

    @Test
    void publisher_cannotHandTheModelToAnotherTeam_norChangeItsVisibility() {
        publishAs("alice", MarketFixture.card("r", "home", Visibility.RESTRICTED).build(), "1");
        f.maas.as("alice").grant("r", Grantee.team("search"), Permission.PUBLISH, Quota.NONE);

        for (ModelCard bad :
                List.of(
                        MarketFixture.card("r", "search", Visibility.RESTRICTED).build(),
                        MarketFixture.card("r", "home", Visibility.PUBLIC).build())) {
            assertThatThrownBy(() -> publishAs("bob", bad, "2"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("needs ADMIN, has PUBLISH");
        }
        assertThat(
                        publishAs(
                                        "bob",
                                        MarketFixture.card("r", "home", Visibility.RESTRICTED)
                                                .build(),
                                        "2")
                                .version())
                .isEqualTo(2);
        assertThat(f.maas.as("carol").permissionOn("r")).isEqualTo(Permission.READ);
    }

    @Test
    void visibility_decidesWhoSeesAndUses_withoutGrants() {
        publishAs("alice", MarketFixture.card("open", "home", Visibility.PUBLIC).build(), "o");
        publishAs("alice", MarketFixture.card("gated", "home", Visibility.RESTRICTED).build(), "g");
        publishAs("alice", MarketFixture.card("hidden", "home", Visibility.PRIVATE).build(), "h");

        ModelSession bob = f.maas.as("bob");
        assertThat(bob.models()).containsExactly("gated", "open");
        assertThat(call("bob", "open")).isEqualTo("o");
        assertThatThrownBy(() -> call("bob", "gated"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("needs USE");
        assertThatThrownBy(() -> call("bob", "hidden"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model 'hidden' not found; models you can see: gated, open");
        assertThat(
                        bob.search(CatalogQuery.builder().build()).items().stream()
                                .map(e -> e.latest().name()))
                .containsExactlyInAnyOrder("gated", "open");
        assertThat(f.maas.as("alice").models()).containsExactly("gated", "hidden", "open");
    }

    @Test
    void accessRequest_approvedWithAQuota_grantsUse_andIsAudited() {
        publishAs("alice", MarketFixture.card("gated", "home", Visibility.RESTRICTED).build(), "g");
        ModelSession bob = f.maas.as("bob");
        AccessRequest r =
                bob.requestAccess(
                        "gated", Grantee.team("search"), Permission.USE, "search ranking test");
        assertThat(r.state()).isEqualTo(AccessRequest.State.PENDING);
        assertThat(bob.accessRequests()).extracting(AccessRequest::id).containsExactly(r.id());
        assertThatThrownBy(() -> bob.approve(r.id(), Quota.NONE, "self"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("needs ADMIN");
        assertThatThrownBy(
                        () ->
                                bob.requestAccess(
                                        "gated", Grantee.team("music"), Permission.USE, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not for team:music");

        Grant g = f.maas.as("alice").approve(r.id(), new Quota(4, 0), "ok for a month");

        assertThat(g.grantee()).isEqualTo(Grantee.team("search"));
        assertThat(g.quota()).isEqualTo(new Quota(4, 0));
        assertThat(call("bob", "gated")).isEqualTo("g");
        assertThatThrownBy(() -> f.maas.as("alice").deny(r.id(), "late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("APPROVED already by alice");
        assertThat(f.maas.as("alice").audit("gated"))
                .extracting(e -> e.event().action())
                .containsSubsequence(
                        AuditAction.PUBLISH,
                        AuditAction.ACCESS_REQUEST,
                        AuditAction.GRANT,
                        AuditAction.ACCESS_APPROVE);
    }

    @Test
    void badInput_unknownGranteesAndMissingModels_changeNothing() {
        publishAs("alice", MarketFixture.card("m", "home", Visibility.PRIVATE).build(), "m");
        ModelSession alice = f.maas.as("alice");
        int auditBefore = f.maas.marketplace().auditLog().entries().size();

        assertThatThrownBy(
                        () -> alice.grant("m", Grantee.team("nobody"), Permission.USE, Quota.NONE))
                .isInstanceOf(UnknownPrincipalException.class)
                .hasMessageContaining("unknown team 'nobody'")
                .hasMessageContaining("home, music, search");
        assertThatThrownBy(
                        () ->
                                alice.grant(
                                        "m",
                                        Grantee.principal("mallory"),
                                        Permission.USE,
                                        Quota.NONE))
                .isInstanceOf(UnknownPrincipalException.class)
                .hasMessageContaining("unknown principal 'mallory'");
        assertThatThrownBy(
                        () ->
                                alice.grant(
                                        "missing",
                                        Grantee.team("search"),
                                        Permission.USE,
                                        Quota.NONE))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("model 'missing' not found");
        assertThatThrownBy(() -> f.maas.as("mallory"))
                .isInstanceOf(UnknownPrincipalException.class);
        assertThatThrownBy(() -> Grantee.team("Robert'); DROP TABLE grants;--"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid team name");

        assertThat(alice.grants("m")).isEmpty();
        assertThat(f.maas.marketplace().auditLog().entries()).hasSize(auditBefore);
        // Query text is text, never a pattern or a statement: its words must match, and text
        // without words filters nothing.
        for (String q : List.of("'; DROP TABLE models; --", "[a-z]+", "1=1 OR 'x'='x'")) {
            assertThat(alice.search(CatalogQuery.builder().text(q).build()).items())
                    .as(q)
                    .isEmpty();
        }
        for (String q : List.of(".*(", "\\", "%_")) {
            assertThat(alice.search(CatalogQuery.builder().text(q).build()).items())
                    .as(q)
                    .extracting(CatalogEntry::name)
                    .containsExactly("m");
        }
        assertThat(call("alice", "m")).isEqualTo("m");
    }

    @Test
    void usage_countsExactlyTheCallsOf16Threads_inMemoryAndStored() throws Exception {
        publishAs("alice", MarketFixture.card("hot", "home", Visibility.PUBLIC).build(), "h");
        int threads = 16;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String who = t % 2 == 0 ? "alice" : "bob";
                futures.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    ModelSession s = f.maas.as(who);
                                    for (int i = 0; i < perThread; i++) {
                                        s.apply(
                                                ModelRef.latest("hot"),
                                                TextModel.class,
                                                m -> m.text);
                                    }
                                    return null;
                                }));
            }
            for (Future<?> fu : futures) {
                fu.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long calls = (long) threads * perThread;
        assertThat(f.maas.as("bob").show("hot").usage()).isEqualTo(calls);
        // Per principal: alice's and bob's threads made half each, all on version 1 (summed over
        // days: a run across midnight splits the rows, not the counts).
        List<dev.maas.catalog.UsageRow> rows = f.maas.as("bob").usage("hot");
        assertThat(rows).allMatch(r -> r.version() == 1);
        assertThat(
                        rows.stream()
                                .collect(
                                        java.util.stream.Collectors.groupingBy(
                                                dev.maas.catalog.UsageRow::principal,
                                                java.util.stream.Collectors.summingLong(
                                                        dev.maas.catalog.UsageRow::count))))
                .isEqualTo(java.util.Map.of("alice", calls / 2, "bob", calls / 2));
        f.maas.marketplace().flushUsage();
        assertThat(f.maas.as("bob").show("hot").usage()).isEqualTo(calls);
        // A new service over the same repository reads the stored counts.
        f.close();
        f = new MarketFixture(tmp);
        assertThat(f.maas.as("alice").show("hot").usage()).isEqualTo(calls);
        CatalogEntry entry =
                f.maas.as("alice")
                        .search(CatalogQuery.builder().text("hot").build())
                        .items()
                        .get(0);
        assertThat(entry.usage()).isEqualTo(calls);
    }

    @Test
    void quotas_aFloodingTeamIsLimited_theOtherTeamIsNot() throws Exception {
        publishAs(
                "alice", MarketFixture.card("shared", "home", Visibility.RESTRICTED).build(), "s");
        ModelSession alice = f.maas.as("alice");
        alice.grant("shared", Grantee.team("search"), Permission.USE, new Quota(2, 0));
        alice.grant("shared", Grantee.team("music"), Permission.USE, new Quota(8, 0));

        // Search holds two calls open: its third is refused, music's calls all pass.
        CountDownLatch inside = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(
                        pool.submit(
                                () ->
                                        f.maas.as("bob")
                                                .apply(
                                                        ModelRef.latest("shared"),
                                                        TextModel.class,
                                                        m -> {
                                                            inside.countDown();
                                                            await(release);
                                                            return m.text;
                                                        })));
            }
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> call("bob", "shared"))
                    .isInstanceOf(QuotaExceededException.class)
                    .hasMessageContaining("team:search")
                    .hasMessageContaining("'shared'")
                    .hasMessageContaining("2 in flight");
            AtomicInteger musicOk = new AtomicInteger();
            List<Future<?>> music = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                music.add(
                        pool.submit(
                                () -> {
                                    for (int j = 0; j < 50; j++) {
                                        assertThat(call("carol", "shared")).isEqualTo("s");
                                        musicOk.incrementAndGet();
                                    }
                                    return null;
                                }));
            }
            for (Future<?> m : music) {
                m.get(60, TimeUnit.SECONDS);
            }
            assertThat(musicOk).hasValue(300);
            release.countDown();
            for (Future<String> h : held) {
                assertThat(h.get(30, TimeUnit.SECONDS)).isEqualTo("s");
            }
            // Released: search may call again.
            assertThat(call("bob", "shared")).isEqualTo("s");
            // Refused calls were not calls: usage counts the 2 held, the last one and music's.
            assertThat(alice.show("shared").usage()).isEqualTo(2 + 1 + 300);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void lifecycle_deprecateArchiveRestoreFork_andLineage() {
        publishAs("alice", MarketFixture.card("base", "home", Visibility.PUBLIC).build(), "b1");
        publishAs("alice", MarketFixture.card("base", "home", Visibility.PUBLIC).build(), "b2");
        ModelSession alice = f.maas.as("alice");

        alice.deprecate("base", 1, "use version 2: fresher data");
        assertThat(call("bob", "base:1")).isEqualTo("b1"); // still works
        assertThat(alice.show("base").lifecycle().deprecations())
                .containsEntry(1, "use version 2: fresher data");

        ModelCard fork = f.maas.as("bob").fork(ModelRef.parse("base:2"), "base-search", "search");
        assertThat(fork.derivedFrom()).isEqualTo(ModelRef.of("base", 2));
        assertThat(fork.owner()).isEqualTo("search");
        assertThat(call("bob", "base-search")).isEqualTo("b2");
        assertThat(alice.lineage("base").descendants()).containsExactly("base-search");
        assertThat(alice.lineage("base-search").ancestors())
                .containsExactly(ModelRef.of("base", 2));

        alice.archive("base");
        assertThatThrownBy(() -> call("bob", "base"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("archived");
        assertThat(
                        f.maas.as("bob").search(CatalogQuery.builder().build()).items().stream()
                                .map(e -> e.latest().name()))
                .containsExactly("base-search");
        assertThatThrownBy(() -> f.maas.as("bob").restore("base"))
                .isInstanceOf(AccessDeniedException.class);
        alice.restore("base");
        assertThat(call("bob", "base")).isEqualTo("b2");
    }

    @Test
    void audit_everyOperationLeavesItsEntry_andTamperingIsDetected() throws Exception {
        ModelSession alice = f.maas.as("alice");
        publishAs("alice", MarketFixture.card("m", "home", Visibility.RESTRICTED).build(), "1");
        publishAs("alice", MarketFixture.card("m", "home", Visibility.RESTRICTED).build(), "2");
        alice.setAlias("m", "production", 1);
        alice.setAlias("m", "production", 2);
        alice.setTrafficSplit("m", "production", java.util.Map.of(1, 0.9, 2, 0.1));
        alice.clearTrafficSplit("m", "production");
        alice.removeAlias("m", "production");
        alice.grant("m", Grantee.team("search"), Permission.USE, new Quota(0, 50));
        f.maas.as("bob").fork(ModelRef.of("m", 2), "m-fork", "search");
        alice.revoke("m", Grantee.team("search"));
        AccessRequest r =
                f.maas.as("bob").requestAccess("m", Grantee.principal("bob"), Permission.USE, "ab");
        alice.deny(r.id(), "no");
        alice.deprecate("m", 1, "old");
        alice.undeprecate("m", 1);
        alice.archive("m");
        alice.restore("m");
        alice.delete("m", 1);

        List<AuditEntry> entries = alice.audit("m");
        assertThat(entries)
                .extracting(e -> e.event().action())
                .containsExactly(
                        AuditAction.PUBLISH,
                        AuditAction.PUBLISH,
                        AuditAction.ALIAS_SET,
                        AuditAction.ALIAS_SET,
                        AuditAction.TRAFFIC_SET,
                        AuditAction.TRAFFIC_CLEAR,
                        AuditAction.ALIAS_REMOVE,
                        AuditAction.GRANT,
                        AuditAction.REVOKE,
                        AuditAction.ACCESS_REQUEST,
                        AuditAction.ACCESS_DENY,
                        AuditAction.DEPRECATE,
                        AuditAction.UNDEPRECATE,
                        AuditAction.ARCHIVE,
                        AuditAction.RESTORE,
                        AuditAction.DELETE);
        AuditEntry move = entries.get(3);
        assertThat(move.event().principal()).isEqualTo("alice");
        assertThat(move.event().before()).isEqualTo("1");
        assertThat(move.event().after()).isEqualTo("2");
        assertThat(f.maas.as("bob").auditOf("bob"))
                .extracting(e -> e.event().action())
                .containsExactly(AuditAction.FORK, AuditAction.ACCESS_REQUEST);
        assertThat(f.maas.marketplace().auditLog().verify().intact()).isTrue();

        // Edit one stored entry: verify names where the chain breaks.
        Path log = f.root.resolve("audit/audit.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        lines.set(3, lines.get(3).replace("\"alice\"", "\"mallory\""));
        Files.write(log, lines);
        var verification = f.maas.marketplace().auditLog().verify();
        assertThat(verification.intact()).isFalse();
        assertThat(verification.problem()).contains("4");
    }
}
