package dev.maas.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds zip and tar archives in memory for the upload tests, with any entry names and types
 * (including the malicious ones a careful tool would refuse to write). The tar layout follows POSIX
 * ustar.
 */
final class TestArchives {
    private TestArchives() {}

    /** Every regular file under {@code dir}, by its path relative to it. */
    static Map<String, byte[]> files(Path dir) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A tar of regular files. */
    static byte[] tar(Map<String, byte[]> entries) {
        Tar t = new Tar();
        entries.forEach((name, data) -> t.entry(name, '0', data, null));
        return t.finish();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes ustar entries. */
    static final class Tar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** Adds an entry of type {@code flag} ('0' file, '2' symbolic link, '5' folder...). */
        Tar entry(String name, char flag, byte[] data, String linkTarget) {
            byte[] h = new byte[512];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            if (n.length > 100) {
                throw new IllegalArgumentException("test names stay under 100 bytes");
            }
            System.arraycopy(n, 0, h, 0, n.length);
            octal(h, 100, 8, 0644);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            octal(h, 124, 12, data.length);
            octal(h, 136, 12, 1_700_000_000L);
            h[156] = (byte) flag;
            if (linkTarget != null) {
                byte[] l = linkTarget.getBytes(StandardCharsets.UTF_8);
                System.arraycopy(l, 0, h, 157, l.length);
            }
            byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(magic, 0, h, 257, magic.length);
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            String c = String.format("%06o", sum);
            System.arraycopy(c.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
            h[154] = 0;
            h[155] = ' ';
            out.writeBytes(h);
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
            return this;
        }

        /** Adds a pax extended header giving the next entry's {@code path}. */
        Tar pax(String path) {
            byte[] rest = (" path=" + path + "\n").getBytes(StandardCharsets.UTF_8);
            int len = rest.length + 1;
            while (Integer.toString(len).length() + rest.length != len) {
                len++;
            }
            byte[] record =
                    (len + new String(rest, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
            return entry("PaxHeaders/x", 'x', record, null);
        }

        /** Adds a GNU long-name entry giving the next entry's name. */
        Tar longName(String name) {
            return entry(
                    "././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8), null);
        }

        byte[] finish() {
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }

        private static void octal(byte[] h, int off, int len, long value) {
            String s = String.format("%0" + (len - 1) + "o", value);
            System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
            h[off + len - 1] = 0;
        }
    }
}
