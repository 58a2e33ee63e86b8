package dev.maas.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the entries of a tar archive (POSIX ustar, with pax extended headers and GNU long names),
 * as written by tar(1) and Python's tarfile, from its published layout: 512-byte headers, octal
 * numbers, content padded to 512 bytes, two zero blocks at the end. Only what a model package
 * needs: names, types and content; modes, owners and times are ignored. Not thread-safe.
 */
final class TarReader {
    /** What an entry is. */
    enum Type {
        FILE,
        FOLDER,
        HARD_LINK,
        SYMBOLIC_LINK,
        DEVICE,
        FIFO,
        OTHER
    }

    /**
     * One entry.
     *
     * @param name its path in the archive
     * @param type what it is
     * @param size its content's length
     */
    record Entry(String name, Type type, long size) {}

    private static final int BLOCK = 512;

    private final InputStream in;
    private final int maxNameBytes;
    private long remaining;
    private long padding;

    TarReader(InputStream in, int maxNameBytes) {
        this.in = in;
        this.maxNameBytes = maxNameBytes;
    }

    /** Returns whether {@code block} is a tar header: its checksum matches. */
    static boolean isHeader(byte[] block) {
        if (block.length < BLOCK) {
            return false;
        }
        long stored;
        try {
            stored = octal(block, 148, 8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (block[i] & 0xff);
        }
        return sum == stored && !allZero(block);
    }

    /**
     * Returns the next entry, or {@code null} at the end; its content is {@link #content()} until
     * the next call.
     *
     * @throws IllegalArgumentException if the archive is malformed
     */
    Entry next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        while (true) {
            byte[] h = in.readNBytes(BLOCK);
            if (h.length == 0) {
                return null; // ended without the zero blocks: accepted, as tar(1) does
            }
            if (h.length < BLOCK) {
                throw new IllegalArgumentException("the tar archive is truncated in a header");
            }
            if (allZero(h)) {
                return null;
            }
            if (!isHeader(h)) {
                throw new IllegalArgumentException(
                        "the tar archive is malformed: a header's checksum does not match");
            }
            long size = size(h);
            char flag = (char) (h[156] & 0xff);
            String name = longName != null ? longName : name(h);
            longName = null;
            if (flag == 'x' || flag == 'L') {
                if (size > maxNameBytes * 4L) {
                    throw new IllegalArgumentException(
                            "the tar archive has an extended header of " + size + " bytes");
                }
                byte[] data = in.readNBytes((int) size);
                if (data.length < size) {
                    throw new IllegalArgumentException("the tar archive is truncated");
                }
                skip(pad(size));
                longName = flag == 'L' ? cString(data, 0, data.length) : paxPath(data);
                continue;
            }
            if (flag == 'g') { // global pax header: nothing a package needs
                skip(size + pad(size));
                continue;
            }
            Type type =
                    switch (flag) {
                        case '0', '\0', '7' -> name.endsWith("/") ? Type.FOLDER : Type.FILE;
                        case '5' -> Type.FOLDER;
                        case '1' -> Type.HARD_LINK;
                        case '2' -> Type.SYMBOLIC_LINK;
                        case '3', '4' -> Type.DEVICE;
                        case '6' -> Type.FIFO;
                        default -> Type.OTHER;
                    };
            remaining = type == Type.FILE ? size : 0;
            padding = type == Type.FILE ? pad(size) : size + pad(size);
            return new Entry(name, type, size);
        }
    }

    /** The current entry's content; reading past it returns end of stream. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int b = in.read();
                if (b < 0) {
                    throw new IllegalArgumentException("the tar archive is truncated in a file");
                }
                remaining--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new IllegalArgumentException("the tar archive is truncated in a file");
                }
                remaining -= n;
                return n;
            }
        };
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new IllegalArgumentException("the tar archive is truncated");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a';
        if (ustar) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static long size(byte[] h) {
        if ((h[124] & 0x80) != 0) {
            throw new IllegalArgumentException(
                    "the tar archive holds an entry too large for a model package (base-256"
                            + " size)");
        }
        return octal(h, 124, 12);
    }

    /** The {@code path} record of pax extended header data ({@code "<len> path=<value>\n"}). */
    private static String paxPath(byte[] data) {
        int at = 0;
        String path = null;
        while (at < data.length) {
            int space = at;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the tar archive has a malformed pax header");
            }
            if (len <= space - at + 1 || at + len > data.length || data[at + len - 1] != '\n') {
                throw new IllegalArgumentException("the tar archive has a malformed pax header");
            }
            String record =
                    new String(data, space + 1, at + len - 1 - (space + 1), StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("the tar archive has a malformed pax header");
            }
            if (record.substring(0, eq).equals("path")) {
                path = record.substring(eq + 1);
            }
            at += len;
        }
        return path;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        boolean any = false;
        for (; i < end; i++) {
            byte c = b[i];
            if (c == 0 || c == ' ') {
                break;
            }
            if (c < '0' || c > '7') {
                throw new IllegalArgumentException("not an octal number in a tar header");
            }
            v = v * 8 + (c - '0');
            any = true;
        }
        if (!any) {
            return 0;
        }
        return v;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
