package dev.maas.recommend.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.maas.MalformedModelException;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.ItemInfo;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/** Reads and writes the folder form of a {@link FactorModel}. Stateless and thread-safe. */
final class FactorModelFiles {
    static final String HEADER = "factor-model.json";
    static final String FORMAT = "maas-factor-model";

    /**
     * Version 2 keeps the factors in one safetensors file; version 1 in four {@code .f32} files.
     */
    static final int FORMAT_VERSION = 2;

    static final String FACTORS = "factors.safetensors";
    static final String FACTORS_SAFETENSORS = "safetensors";
    static final String FACTORS_F32 = "f32";
    static final String T_USER_FACTORS = "user_factors";
    static final String T_ITEM_FACTORS = "item_factors";
    static final String T_USER_BIAS = "user_bias";
    static final String T_ITEM_BIAS = "item_bias";
    static final String USER_FACTORS = "user_factors.f32";
    static final String ITEM_FACTORS = "item_factors.f32";
    static final String USER_BIAS = "user_bias.f32";
    static final String ITEM_BIAS = "item_bias.f32";
    static final String USERS = "users.txt";
    static final String ITEMS = "items.tsv";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    private static final int CHUNK = 1 << 16;

    private FactorModelFiles() {}

    // ------------------------------------------------------------------ save

    static void save(FactorModel model, Path dir, FactorEncoder encoder) {
        try {
            Files.createDirectories(dir);
            JsonObject files = new JsonObject();
            writeFactors(dir, model, files, encoder);
            for (String legacy : List.of(USER_FACTORS, ITEM_FACTORS, USER_BIAS, ITEM_BIAS)) {
                Files.deleteIfExists(dir.resolve(legacy));
            }
            boolean userFile = !model.users().isSequential();
            if (userFile) {
                files.add(USERS, crcEntry(writeText(dir, USERS, usersText(model.users()))));
            }
            boolean catalogue = model.hasItemMetadata();
            boolean itemFile = catalogue || !model.items().isSequential();
            if (itemFile) {
                files.add(ITEMS, crcEntry(writeText(dir, ITEMS, itemsText(model))));
            } else {
                Files.deleteIfExists(dir.resolve(ITEMS));
            }
            if (!userFile) {
                Files.deleteIfExists(dir.resolve(USERS));
            }

            JsonObject h = new JsonObject();
            h.addProperty("format", FORMAT);
            h.addProperty("formatVersion", FORMAT_VERSION);
            h.addProperty("type", model.type().name());
            h.addProperty("dim", model.dim());
            h.addProperty("numUsers", model.numUsers());
            h.addProperty("numItems", model.numItems());
            h.addProperty("globalBias", model.globalBias());
            if (!Float.isNaN(model.minRating())) {
                h.addProperty("minRating", model.minRating());
                h.addProperty("maxRating", model.maxRating());
            }
            h.addProperty("byteOrder", "little-endian");
            h.addProperty("factorsFormat", FACTORS_SAFETENSORS);
            h.addProperty("userIds", userFile ? USERS : "sequential");
            h.addProperty("itemIds", itemFile ? ITEMS : "sequential");
            h.addProperty("catalogue", catalogue);
            JsonArray genres = new JsonArray();
            model.genres().forEach(genres::add);
            h.add("genres", genres);
            h.add("files", files);
            JsonObject props = new JsonObject();
            model.properties().forEach(props::addProperty);
            h.add("properties", props);
            writeText(dir, HEADER, GSON.toJson(h) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the factor model to " + dir, e);
        }
    }

    private static void writeFactors(
            Path dir, FactorModel model, JsonObject files, FactorEncoder encoder)
            throws IOException {
        int users = model.numUsers();
        int items = model.numItems();
        int dim = model.dim();
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        addTensor(tensors, encoder, T_USER_FACTORS, model.rawUserFactors(), users, dim, true);
        addTensor(tensors, encoder, T_ITEM_FACTORS, model.rawItemFactors(), items, dim, true);
        addTensor(tensors, encoder, T_USER_BIAS, model.rawUserBias(), users, 1, false);
        addTensor(tensors, encoder, T_ITEM_BIAS, model.rawItemBias(), items, 1, false);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("type", model.type().name());
        metadata.put("global_bias", Float.toString(model.globalBias()));
        Path tmp = dir.resolve(FACTORS + ".tmp");
        Safetensors.Written written = Safetensors.write(tmp, tensors, metadata);
        moveIntoPlace(tmp, dir.resolve(FACTORS));
        JsonObject entry = new JsonObject();
        entry.addProperty("bytes", written.bytes());
        entry.addProperty("crc32", hex(written.crc32()));
        files.add(FACTORS, entry);
    }

    private static void addTensor(
            List<Safetensors.Tensor> tensors,
            FactorEncoder encoder,
            String name,
            float[] values,
            int rows,
            int cols,
            boolean matrix) {
        StoredTensor stored = encoder.encode(name, values, rows, cols);
        if (stored == null) {
            throw new IllegalArgumentException("the factor encoder returned null for " + name);
        }
        // Fails here, before anything is written, if the encoder's output does not fit.
        stored.decode(rows, cols);
        long[] shape = matrix ? new long[] {rows, cols} : new long[] {rows};
        tensors.add(new Safetensors.Tensor(name, stored.dtype().name(), shape, stored.data()));
        if (stored.scale() != null) {
            tensors.add(
                    new Safetensors.Tensor(
                            name + ".scale", new long[] {stored.scale().length}, stored.scale()));
        }
        if (stored.zeroPoint() != null) {
            tensors.add(
                    new Safetensors.Tensor(
                            name + ".zero_point",
                            new long[] {stored.zeroPoint().length},
                            stored.zeroPoint()));
        }
    }

    private static long writeText(Path dir, String name, String text) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        CRC32 crc = new CRC32();
        try (OutputStream raw = Files.newOutputStream(tmp);
                CheckedOutputStream checked = new CheckedOutputStream(raw, crc);
                Writer out =
                        new BufferedWriter(
                                new OutputStreamWriter(checked, StandardCharsets.UTF_8), CHUNK)) {
            out.write(text);
        }
        moveIntoPlace(tmp, dir.resolve(name));
        return crc.getValue();
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static JsonObject crcEntry(long crc) {
        JsonObject entry = new JsonObject();
        entry.addProperty("crc32", hex(crc));
        return entry;
    }

    private static String usersText(IdMap users) {
        StringBuilder sb = new StringBuilder(users.size() * 8);
        for (int u = 0; u < users.size(); u++) {
            sb.append(users.id(u)).append('\n');
        }
        return sb.toString();
    }

    private static String itemsText(FactorModel model) {
        Map<String, Integer> genreIndex = new LinkedHashMap<>();
        for (int g = 0; g < model.genres().size(); g++) {
            genreIndex.put(model.genres().get(g), g);
        }
        StringBuilder sb = new StringBuilder(model.numItems() * 32);
        for (int i = 0; i < model.numItems(); i++) {
            String id = model.items().id(i);
            sb.append(id).append('\t');
            if (model.hasItemMetadata()) {
                ItemInfo info = model.itemInfo(i);
                sb.append(escape(info.title())).append('\t');
                for (int g = 0; g < info.genres().size(); g++) {
                    Integer gi = genreIndex.get(info.genres().get(g));
                    if (gi == null) {
                        throw new IllegalArgumentException(
                                "item "
                                        + id
                                        + " has genre '"
                                        + info.genres().get(g)
                                        + "' that is not in the model's genre list");
                    }
                    sb.append(g == 0 ? "" : ",").append(gi);
                }
            } else {
                sb.append('\t');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(
                        switch (n) {
                            case 't' -> '\t';
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            default -> n;
                        });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ load

    static String factorsFormat(Path dir) {
        JsonObject h = header(dir);
        JsonElement f = h.get("factorsFormat");
        return f == null || f.isJsonNull() ? FACTORS_F32 : f.getAsString();
    }

    private static JsonObject header(Path dir) {
        Path headerFile = dir.resolve(HEADER);
        if (!Files.isRegularFile(headerFile)) {
            throw new MalformedModelException(
                    "no " + HEADER + " in " + dir + ": not a saved factor model");
        }
        JsonObject h;
        try {
            h =
                    GSON.fromJson(
                            Files.readString(headerFile, StandardCharsets.UTF_8), JsonObject.class);
        } catch (JsonParseException | IOException | ClassCastException e) {
            throw new MalformedModelException(
                    HEADER + " in " + dir + " is not valid JSON: " + e.getMessage(), e);
        }
        if (h == null) {
            throw new MalformedModelException(HEADER + " in " + dir + " is empty");
        }
        return h;
    }

    static FactorModel load(Path dir) {
        JsonObject h = header(dir);
        try {
            return read(dir, h);
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            // Gson's accessors throw these for fields of the wrong JSON type.
            throw new MalformedModelException(
                    HEADER + " in " + dir + " has a field of the wrong type: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(
                    "factor model in " + dir + " is inconsistent: " + e.getMessage(), e);
        }
    }

    private static FactorModel read(Path dir, JsonObject h) {
        String format = string(h, "format");
        if (!FORMAT.equals(format)) {
            throw new MalformedModelException(
                    HEADER + " has format '" + format + "', expected '" + FORMAT + "'");
        }
        int version = integer(h, "formatVersion");
        if (version < 1 || version > FORMAT_VERSION) {
            throw new MalformedModelException(
                    HEADER
                            + " has formatVersion "
                            + version
                            + "; this library reads versions 1 to "
                            + FORMAT_VERSION);
        }
        if (!"little-endian".equals(string(h, "byteOrder"))) {
            throw new MalformedModelException(
                    HEADER
                            + " has byteOrder '"
                            + string(h, "byteOrder")
                            + "', expected 'little-endian'");
        }
        ModelType type;
        try {
            type = ModelType.valueOf(string(h, "type"));
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(
                    HEADER
                            + " has unknown model type '"
                            + string(h, "type")
                            + "', expected one of "
                            + java.util.Arrays.toString(ModelType.values()),
                    e);
        }
        int dim = positive(h, "dim");
        int numUsers = positive(h, "numUsers");
        int numItems = positive(h, "numItems");
        JsonObject files = object(h, "files");
        String factorsFormat = h.has("factorsFormat") ? string(h, "factorsFormat") : FACTORS_F32;
        float[] userFactors;
        float[] itemFactors;
        float[] userBias;
        float[] itemBias;
        if (factorsFormat.equals(FACTORS_SAFETENSORS)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            shapes.put(T_USER_FACTORS, new long[] {numUsers, dim});
            shapes.put(T_ITEM_FACTORS, new long[] {numItems, dim});
            shapes.put(T_USER_BIAS, new long[] {numUsers});
            shapes.put(T_ITEM_BIAS, new long[] {numItems});
            Map<String, float[]> tensors = readSafetensors(dir, files, shapes);
            userFactors = tensors.get(T_USER_FACTORS);
            itemFactors = tensors.get(T_ITEM_FACTORS);
            userBias = tensors.get(T_USER_BIAS);
            itemBias = tensors.get(T_ITEM_BIAS);
        } else if (factorsFormat.equals(FACTORS_F32)) {
            userFactors =
                    readFloats(
                            dir,
                            USER_FACTORS,
                            files,
                            (long) numUsers * dim,
                            numUsers + " users x " + dim + " floats");
            itemFactors =
                    readFloats(
                            dir,
                            ITEM_FACTORS,
                            files,
                            (long) numItems * dim,
                            numItems + " items x " + dim + " floats");
            userBias = readFloats(dir, USER_BIAS, files, numUsers, numUsers + " users");
            itemBias = readFloats(dir, ITEM_BIAS, files, numItems, numItems + " items");
        } else {
            throw new MalformedModelException(
                    HEADER
                            + " has factorsFormat '"
                            + factorsFormat
                            + "', expected '"
                            + FACTORS_SAFETENSORS
                            + "' or '"
                            + FACTORS_F32
                            + "'");
        }

        List<String> genres = new ArrayList<>();
        if (h.has("genres")) {
            for (JsonElement g : h.getAsJsonArray("genres")) {
                genres.add(g.getAsString());
            }
        }
        IdMap users;
        if ("sequential".equals(string(h, "userIds"))) {
            users = IdMap.sequential(numUsers);
        } else {
            List<String[]> rows = readLines(dir, USERS, files, numUsers, 1);
            List<String> ids = new ArrayList<>(numUsers);
            rows.forEach(r -> ids.add(r[0]));
            users = idMap(ids, USERS);
        }
        IdMap items;
        List<ItemInfo> catalogue = null;
        boolean hasCatalogue = h.has("catalogue") && h.get("catalogue").getAsBoolean();
        if ("sequential".equals(string(h, "itemIds")) && !hasCatalogue) {
            items = IdMap.sequential(numItems);
        } else {
            List<String[]> rows = readLines(dir, ITEMS, files, numItems, 3);
            List<String> ids = new ArrayList<>(numItems);
            rows.forEach(r -> ids.add(r[0]));
            items = idMap(ids, ITEMS);
            if (hasCatalogue) {
                catalogue = new ArrayList<>(numItems);
                for (int i = 0; i < rows.size(); i++) {
                    String[] r = rows.get(i);
                    List<String> itemGenres = new ArrayList<>(3);
                    if (!r[2].isEmpty()) {
                        for (String g : r[2].split(",")) {
                            int gi;
                            try {
                                gi = Integer.parseInt(g);
                            } catch (NumberFormatException e) {
                                gi = -1;
                            }
                            if (gi < 0 || gi >= genres.size()) {
                                throw new MalformedModelException(
                                        ITEMS
                                                + " line "
                                                + (i + 1)
                                                + ": genre index '"
                                                + g
                                                + "' is not in 0.."
                                                + (genres.size() - 1));
                            }
                            itemGenres.add(genres.get(gi));
                        }
                    }
                    catalogue.add(new ItemInfo(r[0], unescape(r[1]), itemGenres));
                }
            }
        }
        Map<String, String> properties = new LinkedHashMap<>();
        if (h.has("properties")) {
            for (Map.Entry<String, JsonElement> e : h.getAsJsonObject("properties").entrySet()) {
                properties.put(e.getKey(), e.getValue().getAsString());
            }
        }
        float min = h.has("minRating") ? h.get("minRating").getAsFloat() : Float.NaN;
        float max = h.has("maxRating") ? h.get("maxRating").getAsFloat() : Float.NaN;
        float global = h.get("globalBias") == null ? 0f : h.get("globalBias").getAsFloat();
        return new FactorModel(
                type,
                dim,
                users,
                items,
                catalogue,
                genres,
                userFactors,
                itemFactors,
                userBias,
                itemBias,
                global,
                min,
                max,
                properties,
                true);
    }

    private static IdMap idMap(List<String> ids, String file) {
        try {
            return IdMap.of(ids);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, float[]> readSafetensors(
            Path dir, JsonObject files, Map<String, long[]> shapes) {
        JsonObject entry = files.getAsJsonObject(FACTORS);
        if (entry == null) {
            throw new MalformedModelException(HEADER + " does not describe " + FACTORS);
        }
        Path file = dir.resolve(FACTORS);
        long declared = entry.get("bytes").getAsLong();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new MalformedModelException(
                    FACTORS + " is missing from " + dir + " (expected " + declared + " bytes)", e);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + file + ": " + e, e);
        }
        // Structure first, so a truncated file is reported by what is out of range.
        Safetensors.Contents contents = Safetensors.read(file, shapes);
        if (size != declared) {
            throw new MalformedModelException(
                    FACTORS
                            + " has "
                            + size
                            + " bytes, but "
                            + HEADER
                            + " records "
                            + declared
                            + "; the file is from another model");
        }
        checkCrc(FACTORS, entry, contents.crc32());
        for (Map.Entry<String, float[]> t : contents.tensors().entrySet()) {
            float[] values = t.getValue();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new MalformedModelException(
                            FACTORS
                                    + " tensor '"
                                    + t.getKey()
                                    + "' holds a non-finite value ("
                                    + values[i]
                                    + ") at element "
                                    + i);
                }
            }
        }
        return contents.tensors();
    }

    private static float[] readFloats(
            Path dir, String name, JsonObject files, long count, String what) {
        JsonObject entry = files.getAsJsonObject(name);
        if (entry == null) {
            throw new MalformedModelException(HEADER + " does not describe " + name);
        }
        long declared = entry.get("floats").getAsLong();
        if (declared != count) {
            throw new MalformedModelException(
                    HEADER
                            + " says "
                            + name
                            + " holds "
                            + declared
                            + " floats, but its sizes need "
                            + count
                            + " ("
                            + what
                            + ")");
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new MalformedModelException(name + " is too large for one array: " + count);
        }
        Path file = dir.resolve(name);
        long expectedBytes = count * Float.BYTES;
        float[] values = new float[(int) count];
        CRC32 crc = new CRC32();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size != expectedBytes) {
                throw new MalformedModelException(
                        name
                                + " has "
                                + size
                                + " bytes, expected "
                                + expectedBytes
                                + " ("
                                + what
                                + " x 4 bytes); the file is truncated or from another model");
            }
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            int i = 0;
            while (i < values.length) {
                buffer.clear();
                int n = Math.min(values.length - i, CHUNK / Float.BYTES);
                buffer.limit(n * Float.BYTES);
                while (buffer.hasRemaining()) {
                    if (ch.read(buffer) < 0) {
                        throw new MalformedModelException(name + " ended early at float " + i);
                    }
                }
                crc.update(buffer.array(), 0, n * Float.BYTES);
                buffer.flip();
                buffer.asFloatBuffer().get(values, i, n);
                i += n;
            }
        } catch (NoSuchFileException e) {
            throw new MalformedModelException(
                    name + " is missing from " + dir + " (expected " + expectedBytes + " bytes)",
                    e);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + file + ": " + e, e);
        }
        checkCrc(name, entry, crc.getValue());
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new MalformedModelException(
                        name + " holds a non-finite value (" + values[i] + ") at float " + i);
            }
        }
        return values;
    }

    private static List<String[]> readLines(
            Path dir, String name, JsonObject files, int expectedLines, int fields) {
        JsonObject entry = files.getAsJsonObject(name);
        if (entry == null) {
            throw new MalformedModelException(HEADER + " does not describe " + name);
        }
        Path file = dir.resolve(name);
        List<String[]> rows = new ArrayList<>(expectedLines);
        CRC32 crc = new CRC32();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MalformedModelException(name + " is missing from " + dir, e);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read " + file + ": " + e, e);
        }
        crc.update(bytes);
        checkCrc(name, entry, crc.getValue());
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                new java.io.ByteArrayInputStream(bytes),
                                StandardCharsets.UTF_8
                                        .newDecoder()
                                        .onMalformedInput(CodingErrorAction.REPORT)))) {
            String line;
            int n = 0;
            while ((line = reader.readLine()) != null) {
                n++;
                String[] parts = line.split("\t", -1);
                if (parts.length != fields) {
                    throw new MalformedModelException(
                            name
                                    + " line "
                                    + n
                                    + " has "
                                    + parts.length
                                    + " tab-separated fields, expected "
                                    + fields);
                }
                rows.add(parts);
            }
        } catch (IOException e) {
            throw new MalformedModelException(name + " is not valid UTF-8 text: " + e, e);
        }
        if (rows.size() != expectedLines) {
            throw new MalformedModelException(
                    name + " has " + rows.size() + " lines, expected " + expectedLines);
        }
        return rows;
    }

    private static void checkCrc(String name, JsonObject entry, long actual) {
        JsonElement recorded = entry.get("crc32");
        if (recorded == null) {
            throw new MalformedModelException(HEADER + " has no crc32 for " + name);
        }
        if (!recorded.getAsString().equalsIgnoreCase(hex(actual))) {
            throw new MalformedModelException(
                    name
                            + " is corrupt: its CRC-32 is "
                            + hex(actual)
                            + " but "
                            + HEADER
                            + " records "
                            + recorded.getAsString());
        }
    }

    private static String hex(long crc) {
        return String.format(Locale.ROOT, "%08x", crc);
    }

    private static String string(JsonObject h, String key) {
        JsonElement e = h.get(key);
        if (e == null || e.isJsonNull()) {
            throw new MalformedModelException(HEADER + " lacks the field '" + key + "'");
        }
        return e.getAsString();
    }

    private static int integer(JsonObject h, String key) {
        return Integer.parseInt(string(h, key));
    }

    private static int positive(JsonObject h, String key) {
        int v = integer(h, key);
        if (v < 1) {
            throw new MalformedModelException(
                    HEADER + " has " + key + " = " + v + ", expected >= 1");
        }
        return v;
    }

    private static JsonObject object(JsonObject h, String key) {
        JsonElement e = h.get(key);
        if (e == null || !e.isJsonObject()) {
            throw new MalformedModelException(HEADER + " lacks the object '" + key + "'");
        }
        return e.getAsJsonObject();
    }
}
