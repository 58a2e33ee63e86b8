package dev.maas.recommend.train;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.maas.MalformedModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads and writes tensors (F32, F16, BF16, I8) in the safetensors layout: an 8-byte little-endian
 * header length {@code N}, {@code N} bytes of UTF-8 JSON (per tensor: {@code dtype}, {@code shape}
 * and {@code data_offsets} relative to the end of the header; optionally {@code __metadata__}, a
 * map of strings), then the raw little-endian tensor data. The header is padded with spaces so that
 * the data starts at a multiple of 8 bytes. Files written here are read by the {@code safetensors}
 * Python package and by DJL's {@code NDList.decode}.
 *
 * <p>Stateless and thread-safe.
 */
final class Safetensors {
    /** The largest header accepted, as in the reference implementation. */
    static final long MAX_HEADER = 100_000_000L;

    static final String METADATA = "__metadata__";
    private static final Gson GSON = new Gson();
    private static final int CHUNK = 1 << 16;

    private Safetensors() {}

    /** One tensor: its name, element type ({@code F32}, ...), shape and raw little-endian data. */
    record Tensor(String name, String dtype, long[] shape, byte[] data) {
        /** A float32 tensor. */
        Tensor(String name, long[] shape, float[] values) {
            this(name, "F32", shape, StoredTensor.f32(values).data());
        }
    }

    /** What {@link #write} produced: the file's size and CRC-32. */
    record Written(long bytes, long crc32) {}

    /**
     * Writes {@code tensors} in order, with {@code metadata} in the header, to {@code file}
     * (replaced if present), and forces it to disk.
     */
    static Written write(Path file, List<Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += t.data().length;
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(t.name(), entry);
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        CRC32 crc = new CRC32();
        crc.update(head.array(), 0, head.limit());
        try (FileChannel ch =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            writeFully(ch, head);
            for (Tensor t : tensors) {
                crc.update(t.data());
                writeFully(ch, ByteBuffer.wrap(t.data()));
            }
            ch.force(true);
        }
        return new Written(8L + padded + offset, crc.getValue());
    }

    private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }

    /** What {@link #read} returns: the tensors by name, the metadata and the file's CRC-32. */
    record Contents(Map<String, float[]> tensors, Map<String, String> metadata, long crc32) {}

    /** The element types a factor tensor may have. */
    private static final java.util.Set<String> FACTOR_DTYPES =
            java.util.Set.of("F32", "F16", "BF16", "I8");

    /**
     * Reads the tensors named in {@code expected} (name to shape) from {@code file} and decodes
     * them to floats (see {@link StoredTensor}: an {@code I8} tensor {@code t} comes with its
     * scales {@code t.scale} and optional zero points {@code t.zero_point}); other tensors in the
     * file are checked for range and skipped.
     *
     * @throws MalformedModelException naming the file and what is wrong: missing, header length
     *     beyond the file or too long, header not JSON, a tensor missing, not {@code F32}, {@code
     *     F16}, {@code BF16} or {@code I8}, of another shape, without its scales, or with data
     *     offsets out of range or overlapping, bytes after the data
     */
    static Contents read(Path file, Map<String, long[]> expected) {
        String name = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(name, "has " + size + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lengthBytes, name);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > size - 8) {
                throw bad(
                        name,
                        "header length "
                                + Long.toUnsignedString(headerLength)
                                + " is too long or out of range (the file has "
                                + size
                                + " bytes; at most "
                                + MAX_HEADER
                                + " are allowed for the header)");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBytes, name);
            CRC32 crc = new CRC32();
            crc.update(lengthBytes.array());
            crc.update(headerBytes.array());
            JsonObject header;
            try {
                header =
                        GSON.fromJson(
                                new String(headerBytes.array(), StandardCharsets.UTF_8),
                                JsonObject.class);
            } catch (JsonParseException | ClassCastException e) {
                throw bad(name, "header is not a JSON object: " + e.getMessage());
            }
            if (header == null) {
                throw bad(name, "header is empty");
            }
            long dataLength = size - 8 - headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Span> spans = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals(METADATA)) {
                    metadata.putAll(metadata(name, e.getValue()));
                } else {
                    spans.add(span(name, e.getKey(), e.getValue(), dataLength));
                }
            }
            Map<String, Span> byName = new LinkedHashMap<>();
            spans.forEach(s -> byName.put(s.name, s));
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                Span s = byName.get(e.getKey());
                if (s == null) {
                    throw bad(name, "has no tensor '" + e.getKey() + "'");
                }
                if (!FACTOR_DTYPES.contains(s.dtype)) {
                    throw bad(
                            name,
                            "tensor '"
                                    + s.name
                                    + "' has dtype "
                                    + s.dtype
                                    + ", expected F32 (or F16, BF16, I8)");
                }
                if (!Arrays.equals(s.shape, e.getValue())) {
                    throw bad(
                            name,
                            "tensor '"
                                    + s.name
                                    + "' has shape "
                                    + Arrays.toString(s.shape)
                                    + ", expected "
                                    + Arrays.toString(e.getValue()));
                }
                s.wanted = true;
                if (s.dtype.equals("I8")) {
                    Span scale = byName.get(s.name + ".scale");
                    if (scale == null || !scale.dtype.equals("F32") || scale.shape.length != 1) {
                        throw bad(
                                name,
                                "I8 tensor '"
                                        + s.name
                                        + "' has no F32 scale tensor '"
                                        + s.name
                                        + ".scale' of one dimension");
                    }
                    scale.wanted = true;
                    Span zero = byName.get(s.name + ".zero_point");
                    if (zero != null) {
                        if (!zero.dtype.equals("F32") || !Arrays.equals(zero.shape, scale.shape)) {
                            throw bad(
                                    name,
                                    "tensor '"
                                            + zero.name
                                            + "' must be F32 of shape "
                                            + Arrays.toString(scale.shape));
                        }
                        zero.wanted = true;
                    }
                }
            }
            spans.sort(Comparator.comparingLong((Span s) -> s.begin).thenComparingLong(s -> s.end));
            long covered = 0;
            for (Span s : spans) {
                if (s.begin < covered) {
                    throw bad(name, "tensor '" + s.name + "' overlaps the tensor before it");
                }
                covered = s.end;
            }
            if (covered != dataLength) {
                throw bad(
                        name,
                        "has "
                                + dataLength
                                + " bytes of tensor data, but the header describes "
                                + covered
                                + "; the file is truncated or has bytes appended");
            }
            Map<String, float[]> floats = new LinkedHashMap<>();
            Map<String, byte[]> raw = new LinkedHashMap<>();
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            long position = 0;
            for (Span s : spans) {
                position = skip(ch, buffer, position, s.begin, crc, name);
                if (!s.wanted) {
                    position = skip(ch, buffer, position, s.end, crc, name);
                    continue;
                }
                if (!s.dtype.equals("F32")) {
                    ByteBuffer data = ByteBuffer.allocate((int) (s.end - s.begin));
                    readFully(ch, data, name);
                    crc.update(data.array());
                    position = s.end;
                    raw.put(s.name, data.array());
                    continue;
                }
                float[] values = new float[(int) ((s.end - s.begin) / Float.BYTES)];
                int i = 0;
                while (i < values.length) {
                    int n = Math.min(values.length - i, CHUNK / Float.BYTES);
                    buffer.clear().limit(n * Float.BYTES);
                    readFully(ch, buffer, name);
                    crc.update(buffer.array(), 0, n * Float.BYTES);
                    buffer.flip();
                    buffer.asFloatBuffer().get(values, i, n);
                    i += n;
                }
                position = s.end;
                floats.put(s.name, values);
            }
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                Span s = byName.get(e.getKey());
                if (s.dtype.equals("F32")) {
                    tensors.put(s.name, floats.get(s.name));
                    continue;
                }
                long[] shape = e.getValue();
                int rows = shape.length == 0 ? 1 : (int) shape[0];
                int cols = 1;
                for (int d = 1; d < shape.length; d++) {
                    cols = Math.multiplyExact(cols, (int) shape[d]);
                }
                boolean int8 = s.dtype.equals("I8");
                try {
                    StoredTensor stored =
                            new StoredTensor(
                                    StoredTensor.DType.valueOf(s.dtype),
                                    raw.get(s.name),
                                    int8 ? floats.get(s.name + ".scale") : null,
                                    int8 ? floats.get(s.name + ".zero_point") : null);
                    tensors.put(s.name, stored.decode(rows, cols));
                } catch (IllegalArgumentException ex) {
                    throw bad(name, "tensor '" + s.name + "': " + ex.getMessage());
                }
            }
            return new Contents(tensors, metadata, crc.getValue());
        } catch (NoSuchFileException e) {
            throw new MalformedModelException(name + " is missing from " + file.getParent(), e);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + file + ": " + e, e);
        }
    }

    private static final class Span {
        final String name;
        final String dtype;
        final long[] shape;
        final long begin;
        final long end;
        boolean wanted;

        Span(String name, String dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }
    }

    private static Span span(String file, String tensor, JsonElement json, long dataLength) {
        try {
            JsonObject entry = json.getAsJsonObject();
            String dtype = entry.get("dtype").getAsString();
            JsonArray shapeJson = entry.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long elements = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = shapeJson.get(d).getAsLong();
                if (shape[d] < 0) {
                    throw bad(file, "tensor '" + tensor + "' has a negative dimension");
                }
                elements = Math.multiplyExact(elements, shape[d]);
            }
            JsonArray offsets = entry.getAsJsonArray("data_offsets");
            if (offsets.size() != 2) {
                throw bad(file, "tensor '" + tensor + "' has data_offsets " + offsets);
            }
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataLength) {
                throw bad(
                        file,
                        "tensor '"
                                + tensor
                                + "' has data_offsets ["
                                + begin
                                + ", "
                                + end
                                + "] out of range: the file holds "
                                + dataLength
                                + " bytes of tensor data (truncated?)");
            }
            int width =
                    switch (dtype) {
                        case "F32", "I32", "U32" -> 4;
                        case "F16", "BF16", "I16", "U16" -> 2;
                        case "I8", "U8", "BOOL" -> 1;
                        case "F64", "I64", "U64" -> 8;
                        default -> 0;
                    };
            if (width > 0 && Math.multiplyExact(elements, (long) width) != end - begin) {
                throw bad(
                        file,
                        "tensor '"
                                + tensor
                                + "' has shape "
                                + Arrays.toString(shape)
                                + " but "
                                + (end - begin)
                                + " bytes of data, expected "
                                + elements * width);
            }
            if (end - begin > (Integer.MAX_VALUE - 8L) * (dtype.equals("F32") ? Float.BYTES : 1)) {
                throw bad(file, "tensor '" + tensor + "' is too large for one array");
            }
            return new Span(tensor, dtype, shape, begin, end);
        } catch (IllegalStateException
                | UnsupportedOperationException
                | NullPointerException
                | NumberFormatException
                | ArithmeticException e) {
            throw bad(file, "header entry of tensor '" + tensor + "' is malformed: " + e);
        }
    }

    private static Map<String, String> metadata(String file, JsonElement json) {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (!json.isJsonObject()) {
            throw bad(file, METADATA + " is not a JSON object");
        }
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw bad(file, METADATA + " value of '" + e.getKey() + "' is not a string");
            }
            metadata.put(e.getKey(), e.getValue().getAsString());
        }
        return metadata;
    }

    private static long skip(
            FileChannel ch, ByteBuffer buffer, long position, long to, CRC32 crc, String name)
            throws IOException {
        while (position < to) {
            int n = (int) Math.min(CHUNK, to - position);
            buffer.clear().limit(n);
            readFully(ch, buffer, name);
            crc.update(buffer.array(), 0, n);
            position += n;
        }
        return position;
    }

    private static void readFully(FileChannel ch, ByteBuffer buffer, String name)
            throws IOException {
        while (buffer.hasRemaining()) {
            if (ch.read(buffer) < 0) {
                throw bad(name, "ended early");
            }
        }
    }

    private static MalformedModelException bad(String file, String what) {
        return new MalformedModelException(file + " " + what);
    }
}
