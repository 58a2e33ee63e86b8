package dev.maas.audit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A separate process for {@link AuditLogProcessTest}. It talks to the test over its standard
 * streams, so the test waits on lines rather than on time.
 *
 * <ul>
 *   <li>{@code append <folder> <count> <worker>}: opens the log, prints {@code ready}, waits for a
 *       line on standard input, appends {@code count} events by principal {@code worker} (detail
 *       {@code i} = 0, 1, ...), prints {@code done}.
 *   <li>{@code hold <folder>}: takes the log's file lock as another process would, prints {@code
 *       locked}, waits for a line on standard input, releases it, prints {@code released}.
 * </ul>
 */
public final class AuditAppendWorker {
    private AuditAppendWorker() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Path folder = Path.of(args[1]);
        switch (args[0]) {
            case "append" -> {
                int count = Integer.parseInt(args[2]);
                String worker = args[3];
                FileAuditLog log = new FileAuditLog(folder);
                log.verify(); // loads the classes before the race starts
                say("ready");
                in.readLine();
                for (int i = 0; i < count; i++) {
                    log.append(
                            AuditEvent.builder(worker, AuditAction.TRAFFIC_SET)
                                    .model("shared")
                                    .detail("i", Integer.toString(i))
                                    .build());
                }
                say("done");
            }
            case "hold" -> {
                try (FileChannel ch =
                        FileChannel.open(
                                folder.resolve(FileAuditLog.LOCK_FILE), StandardOpenOption.WRITE)) {
                    ch.lock(); // released when the channel closes
                    say("locked");
                    in.readLine();
                }
                say("released");
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
