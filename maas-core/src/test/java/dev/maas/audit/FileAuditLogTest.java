package dev.maas.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.maas.RepositoryException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {
    @TempDir Path tmp;

    private static AuditEvent aliasMove(String who, String model, int from, int to) {
        return AuditEvent.builder(who, AuditAction.ALIAS_SET)
                .model(model)
                .version(to)
                .before(Integer.toString(from))
                .after(Integer.toString(to))
                .detail("alias", "production")
                .build();
    }

    @Test
    void appendedEntries_areReadBackByANewInstance() {
        Path folder = tmp.resolve("audit");
        FileAuditLog writer = new FileAuditLog(folder, new StepClock());
        Map<String, String> details = new LinkedHashMap<>();
        details.put("zeta", "last");
        details.put("alpha", "first");
        AuditEvent publish =
                new AuditEvent("alice", AuditAction.PUBLISH, "ranker", 1, null, "1", details);
        AuditEvent move = aliasMove("bob", "ranker", 1, 2);
        AuditEvent grant =
                AuditEvent.builder("alice", AuditAction.GRANT)
                        .model("search")
                        .after("team-ads:read")
                        .build();
        AuditEvent quota =
                AuditEvent.builder("ops", AuditAction.QUOTA_SET)
                        .before("100/s")
                        .after("250/s")
                        .build();
        List<AuditEntry> appended =
                List.of(
                        writer.append(publish),
                        writer.append(move),
                        writer.append(grant),
                        writer.append(quota));

        FileAuditLog reader = new FileAuditLog(folder);
        List<AuditEntry> read = reader.entries();
        assertThat(read).containsExactlyElementsOf(appended);
        assertThat(read).extracting(AuditEntry::sequence).containsExactly(1L, 2L, 3L, 4L);
        assertThat(read)
                .extracting(AuditEntry::time)
                .containsExactly(
                        StepClock.START,
                        StepClock.START.plusSeconds(1),
                        StepClock.START.plusSeconds(2),
                        StepClock.START.plusSeconds(3));
        assertThat(read.get(0).event()).isEqualTo(publish);
        assertThat(read.get(0).event().details())
                .containsExactly(Map.entry("alpha", "first"), Map.entry("zeta", "last"));
        assertThat(read.get(1).event().before()).isEqualTo("1");
        assertThat(read.get(1).event().after()).isEqualTo("2");
        assertThat(read.get(3).event().model()).isNull();

        assertThat(reader.forModel("ranker")).containsExactly(appended.get(0), appended.get(1));
        assertThat(reader.forModel("search")).containsExactly(appended.get(2));
        assertThat(reader.forModel("nothing")).isEmpty();
        assertThat(reader.forPrincipal("alice")).containsExactly(appended.get(0), appended.get(2));
        assertThat(reader.forPrincipal("ops")).containsExactly(appended.get(3));
        assertThat(reader.verify()).isEqualTo(AuditVerification.ofIntact(4));
    }

    @Test
    void awkwardText_roundTripsThroughTheFile() {
        Path folder = tmp.resolve("audit");
        String awkward =
                "quote \" backslash \\ newline \n tab \t nul \u0000 del \u007f é 日本 😀 lone"
                        + " \ud800 end \u2028";
        AuditEvent event =
                AuditEvent.builder("ünïcode user", AuditAction.TRAFFIC_SET)
                        .model("m")
                        .before("{\"v1\":100}")
                        .after(awkward)
                        .detail("reason", awkward)
                        .detail("empty", "")
                        .build();
        AuditEntry written = new FileAuditLog(folder).append(event);
        List<AuditEntry> read = new FileAuditLog(folder).entries();
        assertThat(read).containsExactly(written);
        assertThat(read.get(0).event().after()).isEqualTo(awkward);
        assertThat(read.get(0).event().details()).containsEntry("reason", awkward);
        assertThat(new FileAuditLog(folder).verify().intact()).isTrue();
    }

    @Test
    void storedLineAndHash_followTheDocumentedDefinition() throws Exception {
        Path folder = tmp.resolve("audit");
        FileAuditLog log = new FileAuditLog(folder, new StepClock());
        AuditEntry first = log.append(aliasMove("alice", "ranker", 3, 4));
        AuditEntry second =
                log.append(AuditEvent.builder("bob", AuditAction.ARCHIVE).model("old").build());

        String canonical1 =
                "{\"sequence\":1,\"time\":\"2025-03-01T10:00:00Z\",\"principal\":\"alice\","
                    + "\"action\":\"ALIAS_SET\",\"model\":\"ranker\",\"version\":4,"
                    + "\"before\":\"3\",\"after\":\"4\",\"details\":{\"alias\":\"production\"}}";
        String hash1 = sha256("0".repeat(64) + "\n" + canonical1);
        String canonical2 =
                "{\"sequence\":2,\"time\":\"2025-03-01T10:00:01Z\",\"principal\":\"bob\","
                        + "\"action\":\"ARCHIVE\",\"model\":\"old\",\"version\":null,"
                        + "\"before\":null,\"after\":null,\"details\":{}}";
        String hash2 = sha256(hash1 + "\n" + canonical2);

        assertThat(first.previousHash())
                .isEqualTo(AuditEntry.GENESIS_HASH)
                .isEqualTo("0".repeat(64));
        assertThat(first.hash()).isEqualTo(hash1);
        assertThat(second.previousHash()).isEqualTo(hash1);
        assertThat(second.hash()).isEqualTo(hash2);

        String stored = Files.readString(folder.resolve(FileAuditLog.LOG_FILE));
        assertThat(stored)
                .isEqualTo(
                        canonical1.substring(0, canonical1.length() - 1)
                                + ",\"previousHash\":\""
                                + "0".repeat(64)
                                + "\",\"hash\":\""
                                + hash1
                                + "\"}\n"
                                + canonical2.substring(0, canonical2.length() - 1)
                                + ",\"previousHash\":\""
                                + hash1
                                + "\",\"hash\":\""
                                + hash2
                                + "\"}\n");
        assertThat(Files.readString(folder.resolve(FileAuditLog.HEAD_FILE)))
                .isEqualTo("{\"sequence\":2,\"hash\":\"" + hash2 + "\"}\n");
    }

    @Test
    void escaping_followsTheDocumentedRules() {
        StringBuilder sb = new StringBuilder();
        AuditCodec.quote(sb, "a\"b\\c\nd\u0001e\u007f\ud800f😀g");
        assertThat(sb.toString()).isEqualTo("\"a\\\"b\\\\c\\u000ad\\u0001e\u007f\\ud800f😀g\"");
    }

    @Test
    void anAbsentLog_hasNoEntriesIsIntactAndCreatesNothing() {
        Path folder = tmp.resolve("not-yet").resolve("audit");
        FileAuditLog log = new FileAuditLog(folder);
        assertThat(log.entries()).isEmpty();
        assertThat(log.forModel("m")).isEmpty();
        assertThat(log.forPrincipal("p")).isEmpty();
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(0));
        assertThat(tmp.resolve("not-yet")).doesNotExist();
    }

    @Test
    void anEmptyFolder_isAnEmptyLog() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("audit"));
        FileAuditLog log = new FileAuditLog(folder);
        assertThat(log.entries()).isEmpty();
        assertThat(log.verify().intact()).isTrue();
        assertThat(log.append(aliasMove("a", "m", 1, 2)).sequence()).isEqualTo(1);
    }

    @Test
    void filesAreOwnerOnly_foldersToo() throws Exception {
        assumeThat(tmp.getFileSystem().supportedFileAttributeViews()).contains("posix");
        Path parent = tmp.resolve("repo");
        Path folder = parent.resolve("audit");
        new FileAuditLog(folder).append(aliasMove("a", "m", 1, 2));
        assertThat(mode(parent)).isEqualTo("rwx------");
        assertThat(mode(folder)).isEqualTo("rwx------");
        for (String f :
                List.of(FileAuditLog.LOG_FILE, FileAuditLog.HEAD_FILE, FileAuditLog.LOCK_FILE)) {
            assertThat(mode(folder.resolve(f))).as(f).isEqualTo("rw-------");
        }
        try (var files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            FileAuditLog.LOG_FILE, FileAuditLog.HEAD_FILE, FileAuditLog.LOCK_FILE);
        }
    }

    @Test
    void groupPermissions_whenAskedFor() throws Exception {
        assumeThat(tmp.getFileSystem().supportedFileAttributeViews()).contains("posix");
        Path folder = tmp.resolve("audit");
        new FileAuditLog(folder, new StepClock(), PosixFilePermissions.fromString("rwxrwx---"))
                .append(aliasMove("a", "m", 1, 2));
        assertThat(mode(folder)).isEqualTo("rwxrwx---");
        assertThat(mode(folder.resolve(FileAuditLog.LOG_FILE))).isEqualTo("rw-rw----");
        assertThat(mode(folder.resolve(FileAuditLog.HEAD_FILE))).isEqualTo("rw-rw----");
        assertThatThrownBy(
                        () ->
                                new FileAuditLog(
                                        folder,
                                        new StepClock(),
                                        PosixFilePermissions.fromString("r-x------")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rwx------");
    }

    @Test
    void linkedFolder_isRefusedAndItsTargetUntouched() throws Exception {
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        Path link = Files.createSymbolicLink(tmp.resolve("audit"), target);
        assertThatThrownBy(() -> new FileAuditLog(link))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(link.toString())
                .hasMessageContaining("symbolic link");
        assertThat(listing(target)).containsExactly("keep.txt");
    }

    @Test
    void folderReplacedByALinkLater_isRefusedByEveryOperation() throws Exception {
        Path folder = tmp.resolve("audit");
        FileAuditLog log = new FileAuditLog(folder);
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(folder, target);
        assertThatThrownBy(() -> log.append(aliasMove("a", "m", 1, 2)))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(folder.toString());
        assertThatThrownBy(log::entries).hasMessageContaining(folder.toString());
        assertThatThrownBy(log::verify).hasMessageContaining(folder.toString());
        assertThat(listing(target)).isEmpty();
    }

    @Test
    void linkedLogHeadOrLockFile_isRefusedNamingItAndItsTargetUntouched() throws Exception {
        for (String name :
                List.of(FileAuditLog.LOG_FILE, FileAuditLog.HEAD_FILE, FileAuditLog.LOCK_FILE)) {
            Path folder = tmp.resolve("audit-" + name.replace(".", ""));
            FileAuditLog log = new FileAuditLog(folder);
            log.append(aliasMove("a", "m", 1, 2));
            Path file = folder.resolve(name);
            Path target = tmp.resolve("target-of-" + name.replace(".", ""));
            Files.move(file, target);
            byte[] before = Files.readAllBytes(target);
            Files.createSymbolicLink(file, target);

            assertThatThrownBy(() -> log.append(aliasMove("a", "m", 2, 3)))
                    .as(name)
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(log::verify).as(name).hasMessageContaining(file.toString());
            assertThatThrownBy(log::entries).as(name).hasMessageContaining(file.toString());
            assertThat(Files.readAllBytes(target)).as(name).isEqualTo(before);
            assertThat(Files.isSymbolicLink(file)).as(name).isTrue();
        }
    }

    @Test
    void aFolderWhereTheLogShouldBe_isRefused() throws Exception {
        Path folder = tmp.resolve("audit");
        Files.createDirectories(folder.resolve(FileAuditLog.LOG_FILE));
        assertThatThrownBy(() -> new FileAuditLog(folder).append(aliasMove("a", "m", 1, 2)))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(folder.resolve(FileAuditLog.LOG_FILE).toString())
                .hasMessageContaining("a folder");
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        assertThatThrownBy(() -> new FileAuditLog(file))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("not a folder");
    }

    @Test
    void badEvents_areRefusedNamingTheField() {
        assertThatThrownBy(() -> AuditEvent.builder(" ", AuditAction.PUBLISH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principal");
        assertThatThrownBy(
                        () -> new AuditEvent("", AuditAction.PUBLISH, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principal");
        assertThatThrownBy(
                        () ->
                                new AuditEvent(
                                        null, AuditAction.PUBLISH, null, null, null, null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("principal");
        assertThatThrownBy(() -> AuditEvent.builder("alice", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("action");
        assertThatThrownBy(() -> new AuditEvent("alice", null, null, null, null, null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("action");
        assertThatThrownBy(
                        () -> AuditEvent.builder("alice", AuditAction.PUBLISH).version(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a model");
        assertThatThrownBy(() -> AuditEvent.builder("alice", AuditAction.PUBLISH).version(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> AuditEvent.builder("alice", AuditAction.PUBLISH).model(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model");
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(
                        () ->
                                new AuditEvent(
                                        "alice",
                                        AuditAction.GRANT,
                                        null,
                                        null,
                                        null,
                                        null,
                                        nullValue))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("'k'");
        assertThatThrownBy(() -> AuditEvent.builder("alice", AuditAction.GRANT).detail(" ", "v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("details key");
        assertThatThrownBy(() -> new FileAuditLog(tmp.resolve("a")).append(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("event");
    }

    @Test
    void details_areImmutableAndSorted() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("b", "2");
        given.put("a", "1");
        AuditEvent e = new AuditEvent("p", AuditAction.FORK, "m", null, null, null, given);
        given.put("c", "3");
        assertThat(e.details()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThatThrownBy(() -> e.details().put("x", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(new AuditEvent("p", AuditAction.FORK, "m", null, null, null, null).details())
                .isEmpty();
    }

    @Test
    void anOversizedEvent_isRefusedAndNothingIsWritten() {
        Path folder = tmp.resolve("audit");
        FileAuditLog log = new FileAuditLog(folder);
        log.append(aliasMove("a", "m", 1, 2));
        AuditEvent huge =
                AuditEvent.builder("a", AuditAction.PUBLISH).after("x".repeat(70_000)).build();
        assertThatThrownBy(() -> log.append(huge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too large");
        assertThat(log.entries()).hasSize(1);
        assertThat(log.verify().intact()).isTrue();
        assertThat(log.append(aliasMove("a", "m", 2, 3)).sequence()).isEqualTo(2);
    }

    @Test
    void verification_resultsAreChecked() {
        assertThatThrownBy(
                        () ->
                                new AuditVerification(
                                        true,
                                        1,
                                        java.util.OptionalLong.empty(),
                                        java.util.OptionalLong.empty(),
                                        "oops"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditVerification.ofBroken(0, 1, 1, " "))
                .isInstanceOf(IllegalArgumentException.class);
        AuditVerification broken = AuditVerification.ofBroken(4, 5, 5, "line 5: x");
        assertThat(broken.firstBadSequence()).hasValue(5);
        assertThat(broken.line()).hasValue(5);
        assertThat(AuditVerification.ofBroken(9, 0, 0, "head: x").line()).isEmpty();
    }

    @Test
    void entry_refusesMalformedHashes() {
        AuditEvent e = aliasMove("a", "m", 1, 2);
        assertThatThrownBy(() -> new AuditEntry(1, Instant.EPOCH, e, "00", "0".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("previousHash");
        assertThatThrownBy(
                        () -> new AuditEntry(0, Instant.EPOCH, e, "0".repeat(64), "0".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sequence");
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(
                Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static List<String> listing(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
