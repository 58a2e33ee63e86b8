package dev.maas.compression;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.maas.MalformedModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file of raw tensors (any element type): an 8-byte little-endian header length, the
 * JSON header (per tensor {@code dtype}, {@code shape}, {@code data_offsets}; {@code
 * __metadata__}), then the data. Small files only (read whole). Stateless.
 */
final class TensorFile {
    private static final Gson GSON = new Gson();

    private TensorFile() {}

    /** One tensor: element type, shape and raw little-endian bytes. */
    record Raw(String dtype, long[] shape, byte[] data) {}

    static long write(Path file, Map<String, Raw> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        long offset = 0;
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.getValue().dtype());
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().data().length;
            offsets.add(offset);
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer out =
                ByteBuffer.allocate((int) (8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Raw r : tensors.values()) {
            out.put(r.data());
        }
        Files.write(file, out.array());
        return out.capacity();
    }

    record Contents(Map<String, Raw> tensors, Map<String, String> metadata) {}

    static Contents read(Path file) {
        String name = String.valueOf(file.getFileName());
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            if (all.length < 8) {
                throw new MalformedModelException(name + " is too short for a safetensors header");
            }
            long n = b.getLong();
            if (n < 2 || n > all.length - 8) {
                throw new MalformedModelException(
                        name
                                + " has header length "
                                + n
                                + ", but the file has only "
                                + all.length
                                + " bytes (truncated?)");
            }
            JsonObject header =
                    GSON.fromJson(
                            new String(all, 8, (int) n, StandardCharsets.UTF_8), JsonObject.class);
            int base = 8 + (int) n;
            Map<String, Raw> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                JsonObject o = e.getValue().getAsJsonObject();
                if (e.getKey().equals("__metadata__")) {
                    o.entrySet().forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                    continue;
                }
                JsonArray s = o.getAsJsonArray("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).getAsLong();
                }
                JsonArray off = o.getAsJsonArray("data_offsets");
                long begin = off.get(0).getAsLong();
                long end = off.get(1).getAsLong();
                if (begin < 0 || end < begin || base + end > all.length) {
                    throw new MalformedModelException(
                            name
                                    + " tensor '"
                                    + e.getKey()
                                    + "' lies outside the file (truncated?)");
                }
                byte[] data = new byte[(int) (end - begin)];
                System.arraycopy(all, base + (int) begin, data, 0, data.length);
                tensors.put(e.getKey(), new Raw(o.get("dtype").getAsString(), shape, data));
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + file + ": " + e, e);
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            throw new MalformedModelException(name + " has a malformed header: " + e, e);
        }
    }

    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static float[] floats(byte[] data) {
        float[] v = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    static byte[] ints(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    static int[] ints(byte[] data) {
        int[] v = new int[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }

    static long[] shape(List<Long> dims) {
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
