package dev.maas.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Splits {@code audit.log} into lines at line feeds, byte by byte, so that line numbers count
 * exactly the line feeds a reader of the file sees and a missing final line feed is noticed. Not
 * thread-safe; one reader per scan.
 */
final class LogLines {
    /**
     * One line of the log.
     *
     * @param number 1-based line number
     * @param bytes the line without its line feed; empty when {@code tooLong}
     * @param terminated whether a line feed ended it (only the file's last line may lack one)
     * @param tooLong whether it exceeded {@link AuditCodec#MAX_LINE_BYTES}
     */
    record Line(long number, byte[] bytes, boolean terminated, boolean tooLong) {}

    private final InputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private long number;

    LogLines(InputStream in) {
        this.in = in;
    }

    /** Returns the next line, or null at the end of the file. */
    Line next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    number++;
                    return new Line(
                            number, tooLong ? new byte[0] : line.toByteArray(), false, tooLong);
                }
            }
            any = true;
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            if (!tooLong) {
                line.write(buffer, start, position - start);
                if (line.size() > AuditCodec.MAX_LINE_BYTES) {
                    tooLong = true;
                    line = new ByteArrayOutputStream(0);
                }
            }
            if (position < limit) {
                position++; // the line feed
                number++;
                return new Line(number, tooLong ? new byte[0] : line.toByteArray(), true, tooLong);
            }
        }
    }

    /**
     * The last line of a log, read from its end without scanning the rest.
     *
     * @param bytes the line without its line feed; null if the file is empty, or the line is too
     *     long or unterminated
     * @param terminated whether the file ends with a line feed
     * @param tooLong whether the last line exceeds {@link AuditCodec#MAX_LINE_BYTES}
     */
    record Last(byte[] bytes, boolean terminated, boolean tooLong) {}

    /** Reads the last line of the file open in {@code ch}; returns null if it is empty. */
    static Last last(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return null;
        }
        // The last line, its line feed and the line feed before it fit in this window.
        int window = (int) Math.min(size, AuditCodec.MAX_LINE_BYTES + 2L);
        ByteBuffer buf = ByteBuffer.allocate(window);
        long from = size - window;
        while (buf.hasRemaining()) {
            if (ch.read(buf, from + buf.position()) < 0) {
                throw new IOException("the file shrank while its end was read");
            }
        }
        byte[] b = buf.array();
        if (b[window - 1] != '\n') {
            return new Last(null, false, false);
        }
        int start = window - 1;
        while (start > 0 && b[start - 1] != '\n') {
            start--;
        }
        if (start == 0 && from > 0) {
            return new Last(null, true, true);
        }
        int length = window - 1 - start;
        if (length > AuditCodec.MAX_LINE_BYTES) {
            return new Last(null, true, true);
        }
        return new Last(Arrays.copyOfRange(b, start, window - 1), true, false);
    }
}
