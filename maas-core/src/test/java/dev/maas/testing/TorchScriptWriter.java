package dev.maas.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes TorchScript archives ({@code .pt}) from Java, the way {@code torch.jit.save} lays them
 * out: a zip whose records sit under one folder ({@code archive/}) and hold the format version, the
 * module's TorchScript source ({@code code/__torch__.py}, compiled by libtorch when loading), the
 * module object pickled with protocol 2 ({@code data.pkl}, tensors by persistent id) and the raw
 * little-endian bytes of each float tensor ({@code data/<n>}).
 *
 * <p>The module is one class {@code __torch__.<className>} with float32 parameters and a {@code
 * forward(self, x: Tensor) -> Tensor} whose body the caller writes in TorchScript. Not thread-safe.
 */
public final class TorchScriptWriter {
    private static final String ARCHIVE = "archive/";

    private final String className;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private String forwardBody;

    private record Parameter(long[] dims, float[] values) {}

    private TorchScriptWriter(String className) {
        if (!className.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a class name: " + className);
        }
        this.className = className;
    }

    /** Starts a module whose class is {@code __torch__.<className>}. */
    public static TorchScriptWriter module(String className) {
        return new TorchScriptWriter(className);
    }

    /** Adds a float32 parameter, row-major {@code values} of shape {@code dims}. */
    public TorchScriptWriter parameter(String name, long[] dims, float[] values) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException(
                    name + " has " + values.length + " values for " + size + " elements");
        }
        parameters.put(name, new Parameter(dims.clone(), values.clone()));
        return this;
    }

    /**
     * Sets the body of {@code forward(self, x: Tensor) -> Tensor}, TorchScript statements
     * (indentation added), such as {@code return torch.relu(torch.matmul(x, self.w))}.
     */
    public TorchScriptWriter forward(String body) {
        this.forwardBody = Objects.requireNonNull(body, "body");
        return this;
    }

    /** Returns the zip archive's bytes. */
    public byte[] toByteArray() {
        if (forwardBody == null) {
            throw new IllegalStateException("forward body not set");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, "data.pkl", dataPickle());
            store(zip, "code/__torch__.py", source().getBytes(StandardCharsets.UTF_8));
            store(zip, "constants.pkl", new Pickle().emptyTuple().stop());
            int key = 0;
            for (Parameter p : parameters.values()) {
                ByteBuffer raw =
                        ByteBuffer.allocate(p.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : p.values()) {
                    raw.putFloat(v);
                }
                store(zip, "data/" + key++, raw.array());
            }
            store(zip, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the archive to {@code file} and returns it. */
    public Path write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    private String source() {
        StringBuilder s = new StringBuilder();
        s.append("class ").append(className).append("(Module):\n");
        s.append("  __parameters__ = [");
        for (String name : parameters.keySet()) {
            s.append('"').append(name).append("\", ");
        }
        s.append("]\n");
        s.append("  __buffers__ = []\n");
        for (String name : parameters.keySet()) {
            s.append("  ").append(name).append(" : Tensor\n");
        }
        s.append("  training : bool\n");
        s.append("  def forward(self: __torch__.").append(className).append(",\n");
        s.append("    x: Tensor) -> Tensor:\n");
        for (String line : forwardBody.split("\n")) {
            s.append("    ").append(line).append('\n');
        }
        return s.toString();
    }

    /** The module object as torch.jit's pickler writes it: class, empty args, attribute dict. */
    private byte[] dataPickle() {
        Pickle p = new Pickle();
        p.global("__torch__", className).emptyTuple().newObj();
        p.emptyDict().mark();
        int key = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            p.string(e.getKey());
            tensor(p, Integer.toString(key++), e.getValue().dims());
        }
        p.string("training").bool(false);
        p.setItems().build();
        return p.stop();
    }

    /** Pushes {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, {})}. */
    private static void tensor(Pickle p, String key, long[] dims) {
        long numel = 1;
        for (long d : dims) {
            numel *= d;
        }
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark()
                .string("storage")
                .global("torch", "FloatStorage")
                .string(key)
                .string("cpu")
                .integer(numel)
                .tuple()
                .persistentId();
        p.integer(0);
        p.mark();
        for (long d : dims) {
            p.integer(d);
        }
        p.tuple();
        p.mark();
        long stride = 1;
        long[] strides = new long[dims.length];
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= dims[i];
        }
        for (long s : strides) {
            p.integer(s);
        }
        p.tuple();
        p.bool(false);
        p.global("collections", "OrderedDict").emptyTuple().reduce();
        p.tuple().reduce();
    }

    private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(ARCHIVE + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** The protocol-2 pickle opcodes TorchScript's unpickler reads. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            out.write(0x80); // PROTO
            out.write(2);
        }

        Pickle global(String module, String name) {
            out.write('c');
            writeAscii(out, module + "\n" + name + "\n");
            return this;
        }

        Pickle string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.write('X'); // BINUNICODE
            writeInt(out, utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        Pickle integer(long v) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("too large for BININT: " + v);
            }
            out.write('J'); // BININT
            writeInt(out, (int) v);
            return this;
        }

        Pickle bool(boolean v) {
            out.write(v ? 0x88 : 0x89); // NEWTRUE / NEWFALSE
            return this;
        }

        Pickle mark() {
            out.write('(');
            return this;
        }

        Pickle tuple() {
            out.write('t');
            return this;
        }

        Pickle emptyTuple() {
            out.write(')');
            return this;
        }

        Pickle emptyDict() {
            out.write('}');
            return this;
        }

        Pickle setItems() {
            out.write('u');
            return this;
        }

        Pickle newObj() {
            out.write(0x81);
            return this;
        }

        Pickle build() {
            out.write('b');
            return this;
        }

        Pickle reduce() {
            out.write('R');
            return this;
        }

        Pickle persistentId() {
            out.write('Q'); // BINPERSID
            return this;
        }

        byte[] stop() {
            out.write('.');
            return out.toByteArray();
        }

        private static void writeInt(OutputStream out, int v) {
            try {
                out.write(v & 0xff);
                out.write((v >>> 8) & 0xff);
                out.write((v >>> 16) & 0xff);
                out.write((v >>> 24) & 0xff);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void writeAscii(ByteArrayOutputStream out, String s) {
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
