package dev.maas.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.RepositoryException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each test damages a 10-entry log the way a person editing the files would. */
class AuditLogTamperingTest {
    private static final int ENTRIES = 10;

    @TempDir Path tmp;
    private Path folder;
    private Path logFile;
    private Path headFile;
    private FileAuditLog log;
    private List<AuditEntry> written;

    @BeforeEach
    void writeTenEntries() {
        folder = tmp.resolve("audit");
        logFile = folder.resolve(FileAuditLog.LOG_FILE);
        headFile = folder.resolve(FileAuditLog.HEAD_FILE);
        log = new FileAuditLog(folder, new StepClock());
        written = new ArrayList<>();
        for (int i = 1; i <= ENTRIES; i++) {
            written.add(
                    log.append(
                            AuditEvent.builder(i % 2 == 0 ? "alice" : "bob", AuditAction.ALIAS_SET)
                                    .model(i % 3 == 0 ? "search" : "ranker")
                                    .version(i)
                                    .before("v" + (i - 1))
                                    .after("v" + i)
                                    .build()));
        }
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(ENTRIES));
    }

    @Test
    void editedField_isDetectedAtThatEntry() throws Exception {
        List<String> lines = lines();
        assertThat(lines.get(6)).contains("\"after\":\"v7\"");
        lines.set(6, lines.get(6).replace("\"after\":\"v7\"", "\"after\":\"v99\""));
        write(lines);

        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.problem())
                .isEqualTo("entry 7 (line 7): hash does not match its content: edited?");
        assertThat(v.firstBadSequence()).hasValue(7);
        assertThat(v.line()).hasValue(7);
        assertThat(v.entriesChecked()).isEqualTo(6);
        // Queries show what the file says; verify() is what says not to trust it.
        assertThat(log.entries().get(6).event().after()).isEqualTo("v99");
    }

    @Test
    void editedTime_isDetectedAtThatEntry() throws Exception {
        List<String> lines = lines();
        lines.set(2, lines.get(2).replace("10:00:02Z", "09:00:02Z"));
        write(lines);
        assertThat(log.verify().problem()).startsWith("entry 3 (line 3): hash does not match");
    }

    @Test
    void editedAndRehashedEntry_breaksTheChainAtTheNextOne() throws Exception {
        List<String> lines = lines();
        AuditEntry five = written.get(4);
        AuditEvent forged =
                AuditEvent.builder("mallory", AuditAction.ALIAS_SET)
                        .model("ranker")
                        .version(5)
                        .before("v4")
                        .after("v5")
                        .build();
        AuditEntry rehashed =
                AuditCodec.seal(five.sequence(), five.time(), forged, five.previousHash());
        lines.set(4, AuditCodec.line(rehashed));
        write(lines);

        AuditVerification v = log.verify();
        assertThat(v.problem())
                .startsWith("entry 6 (line 6): previous hash does not match entry 5's hash");
        assertThat(v.firstBadSequence()).hasValue(6);
        assertThat(v.line()).hasValue(6);
    }

    @Test
    void deletedMiddleLine_isDetected() throws Exception {
        List<String> lines = lines();
        lines.remove(4);
        write(lines);

        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.problem())
                .isEqualTo("line 5: sequence 6 follows 4: entry 5 was deleted or moved");
        assertThat(v.firstBadSequence()).hasValue(5);
        assertThat(v.line()).hasValue(5);
        assertThat(v.entriesChecked()).isEqualTo(4);
    }

    @Test
    void deletedFirstLines_areDetected() throws Exception {
        List<String> lines = lines();
        lines.subList(0, 2).clear();
        write(lines);
        assertThat(log.verify().problem())
                .isEqualTo(
                        "line 1: sequence 3 where 1 was expected: entries 1 to 2 were deleted or"
                                + " moved");
    }

    @Test
    void swappedLines_areDetected() throws Exception {
        List<String> lines = lines();
        Collections.swap(lines, 2, 3);
        write(lines);

        AuditVerification v = log.verify();
        assertThat(v.problem()).startsWith("line 3: sequence 4 follows 2:");
        assertThat(v.firstBadSequence()).hasValue(3);
        assertThat(v.line()).hasValue(3);
    }

    @Test
    void repeatedLine_isDetected() throws Exception {
        List<String> lines = lines();
        lines.add(5, lines.get(4));
        write(lines);
        assertThat(log.verify().problem())
                .isEqualTo("line 6: sequence 5 follows 5: entries are out of order or repeated");
    }

    @Test
    void deletedLastLines_areDetectedThroughTheHead() throws Exception {
        List<String> lines = lines();
        write(lines.subList(0, ENTRIES - 2));

        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.problem())
                .isEqualTo(
                        "log ends at entry 8 but the head records 10: entries were removed from the"
                                + " end");
        assertThat(v.firstBadSequence()).hasValue(9);
        assertThat(v.line()).isEmpty();
        assertThat(v.entriesChecked()).isEqualTo(8);
        assertRefusesToAppend("log ends at entry 8 but the head records 10");
    }

    @Test
    void emptiedLog_isDetectedThroughTheHead() throws Exception {
        Files.delete(logFile);
        assertThat(log.verify().problem())
                .isEqualTo(
                        "audit.log is missing or empty but the head records entry 10: entries were"
                                + " removed");
        assertRefusesToAppend("the head records entry 10");
    }

    @Test
    void editedHeadHash_isDetected() throws Exception {
        String head = Files.readString(headFile);
        String hash10 = written.get(9).hash();
        Files.writeString(headFile, head.replace(hash10, "f".repeat(64)));

        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.problem())
                .startsWith("the head records entry 10 with hash " + "f".repeat(64))
                .contains("but entry 10's hash is " + hash10);
        assertThat(v.firstBadSequence()).hasValue(10);
        assertRefusesToAppend("the head records entry 10 with hash");
    }

    @Test
    void headRolledBack_isDetected() throws Exception {
        Files.writeString(headFile, AuditCodec.head(written.get(6)));
        AuditVerification v = log.verify();
        assertThat(v.problem())
                .isEqualTo(
                        "the head records entry 7 but the log continues to entry 10: the head was"
                                + " edited or replaced by an older copy");
        assertThat(v.firstBadSequence()).isEmpty();
        assertRefusesToAppend("the head records entry 7");
    }

    @Test
    void headRaised_readsAsRemovedEntries() throws Exception {
        Files.writeString(
                headFile, Files.readString(headFile).replace("\"sequence\":10", "\"sequence\":12"));
        assertThat(log.verify().problem())
                .startsWith("log ends at entry 10 but the head records 12");
    }

    @Test
    void headNotJson_isDetected() throws Exception {
        Files.writeString(headFile, "sequence=10\n");
        AuditVerification v = log.verify();
        assertThat(v.problem()).isEqualTo("head: not JSON");
        assertThat(v.entriesChecked()).isEqualTo(ENTRIES);
        assertRefusesToAppend("head: not JSON");
    }

    @Test
    void deletedHead_isDetected() throws Exception {
        Files.delete(headFile);
        assertThat(log.verify().problem())
                .isEqualTo(
                        "the head is missing but the log ends at entry 10: the head was deleted");
        assertRefusesToAppend("the head is missing");
    }

    @Test
    void nonJsonLine_isDetected() throws Exception {
        List<String> lines = lines();
        lines.set(2, "this is not json");
        write(lines);

        AuditVerification v = log.verify();
        assertThat(v.problem()).isEqualTo("line 3: not JSON");
        assertThat(v.line()).hasValue(3);
        assertThat(v.firstBadSequence()).hasValue(3);
        assertThat(v.entriesChecked()).isEqualTo(2);
        // Queries skip the damaged line and return the rest.
        assertThat(log.entries()).extracting(AuditEntry::sequence).doesNotContain(3L).hasSize(9);
        assertThat(log.forPrincipal("alice")).hasSize(5);
    }

    @Test
    void jsonThatIsNoEntry_isDetected() throws Exception {
        List<String> lines = lines();
        lines.set(3, lines.get(3).replace("\"action\":\"ALIAS_SET\"", "\"action\":\"TELEPORT\""));
        lines.set(5, "{\"sequence\":6}");
        lines.set(7, "");
        write(lines);
        assertThat(log.verify().problem())
                .isEqualTo(
                        "line 4: not an audit entry: 'action' names no known action: 'TELEPORT'");
        assertThat(log.entries()).hasSize(7);
    }

    @Test
    void emptyLine_isDetected() throws Exception {
        List<String> lines = lines();
        lines.add(3, "");
        write(lines);
        assertThat(log.verify().problem()).isEqualTo("line 4: empty line");
    }

    @Test
    void reformattedLine_isDetected() throws Exception {
        List<String> lines = lines();
        lines.set(1, lines.get(1).replace("\"principal\":", "\"principal\": "));
        write(lines);
        assertThat(log.verify().problem())
                .startsWith("entry 2 (line 2): not in the form it was written in");
    }

    @Test
    void notUtf8_isDetected() throws Exception {
        List<String> lines = lines();
        byte[] all = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        int secondLine = lines.get(0).length() + 1;
        all[secondLine + 3] = (byte) 0xff;
        Files.write(logFile, all);
        assertThat(log.verify().problem()).isEqualTo("line 2: not UTF-8 text");
    }

    @Test
    void badLastLine_stopsAppends() throws Exception {
        Files.writeString(logFile, "not json either\n", StandardOpenOption.APPEND);
        assertThat(log.verify().problem()).isEqualTo("line 11: not JSON");
        assertRefusesToAppend("not JSON");
    }

    @Test
    void editedLastEntry_stopsAppends() throws Exception {
        List<String> lines = lines();
        lines.set(9, lines.get(9).replace("\"after\":\"v10\"", "\"after\":\"v11\""));
        write(lines);
        assertThat(log.verify().problem()).startsWith("entry 10 (line 10): hash does not match");
        assertRefusesToAppend("entry 10 (the last line): hash does not match its content");
    }

    @Test
    void interruptedWrite_isDetectedAndStopsAppends() throws Exception {
        String next = lines().get(0);
        Files.writeString(logFile, next.substring(0, 40), StandardOpenOption.APPEND);
        AuditVerification v = log.verify();
        assertThat(v.problem()).startsWith("line 11: the last line has no line feed at its end");
        assertThat(v.entriesChecked()).isEqualTo(ENTRIES);
        assertRefusesToAppend("has no line feed at its end");
    }

    @Test
    void headOneBehind_isACrashNotDamage_andTheNextAppendRepairsIt() throws Exception {
        // The state a crash leaves between forcing entry 10 to disk and replacing the head.
        Files.writeString(headFile, AuditCodec.head(written.get(8)));
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(ENTRIES));

        AuditEntry eleven =
                log.append(AuditEvent.builder("carol", AuditAction.DEPRECATE).model("m").build());
        assertThat(eleven.sequence()).isEqualTo(11);
        assertThat(eleven.previousHash()).isEqualTo(written.get(9).hash());
        assertThat(Files.readString(headFile)).isEqualTo(AuditCodec.head(eleven));
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(11));
    }

    @Test
    void firstEntryWithoutHead_isACrashNotDamage() throws Exception {
        Path other = tmp.resolve("other");
        FileAuditLog fresh = new FileAuditLog(other);
        fresh.append(AuditEvent.builder("a", AuditAction.PUBLISH).model("m").version(1).build());
        Files.delete(other.resolve(FileAuditLog.HEAD_FILE));
        assertThat(fresh.verify().intact()).isTrue();
        assertThat(fresh.append(AuditEvent.builder("a", AuditAction.PUBLISH).build()).sequence())
                .isEqualTo(2);
        assertThat(fresh.verify()).isEqualTo(AuditVerification.ofIntact(2));
    }

    @Test
    void abandonedHeadTemporaries_areRemovedByTheNextAppend() throws Exception {
        Path leftover = Files.writeString(folder.resolve(".head-1234.tmp"), "partial");
        log.append(AuditEvent.builder("a", AuditAction.RESTORE).model("m").build());
        assertThat(leftover).doesNotExist();
        assertThat(log.verify().intact()).isTrue();
    }

    private void assertRefusesToAppend(String problem) throws Exception {
        byte[] logBefore = Files.exists(logFile) ? Files.readAllBytes(logFile) : null;
        assertThatThrownBy(
                        () ->
                                log.append(
                                        AuditEvent.builder("x", AuditAction.DELETE)
                                                .model("m")
                                                .build()))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("refusing to append")
                .hasMessageContaining(problem);
        if (logBefore != null) {
            assertThat(Files.readAllBytes(logFile)).isEqualTo(logBefore);
        } else {
            assertThat(logFile).doesNotExist();
        }
    }

    private List<String> lines() throws Exception {
        return new ArrayList<>(Files.readAllLines(logFile, StandardCharsets.UTF_8));
    }

    private void write(List<String> lines) throws Exception {
        Files.writeString(logFile, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
    }
}
