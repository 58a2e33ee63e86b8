package dev.maas.audit;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The text forms of the audit log: the canonical serialisation that is hashed, the stored line, the
 * head record, and their parsing. Stateless and thread-safe.
 *
 * <p>The exact definitions are in {@link FileAuditLog}'s Javadoc; this class is their only
 * implementation, so the two must change together (and a change breaks every existing log).
 */
final class AuditCodec {
    /** Lines longer than this (in bytes, without the newline) are refused when written or read. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    /** Head files larger than this are refused unread. */
    static final int MAX_HEAD_BYTES = 4096;

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern HEX_256 = Pattern.compile("[0-9a-f]{64}");

    private AuditCodec() {}

    /** A line or head that is not what the log writes; the message says why, for people. */
    static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    /** The head record: the last entry whose append completed. */
    record Head(long sequence, String hash) {}

    /**
     * Returns the canonical serialisation of an entry's content, without its hashes: the JSON
     * object {@code {"sequence":..,"time":..,"principal":..,"action":..,"model":..,"version":..,
     * "before":..,"after":..,"details":{..}}} in exactly that key order, no white space, nulls
     * written as {@code null}, details keys in {@link String#compareTo} order, strings escaped by
     * {@link #quote}.
     */
    static String canonical(long sequence, Instant time, AuditEvent e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"sequence\":").append(sequence);
        sb.append(",\"time\":");
        quote(sb, time.toString());
        sb.append(",\"principal\":");
        quote(sb, e.principal());
        sb.append(",\"action\":");
        quote(sb, e.action().name());
        sb.append(",\"model\":");
        quote(sb, e.model());
        sb.append(",\"version\":").append(e.version() == null ? "null" : e.version().toString());
        sb.append(",\"before\":");
        quote(sb, e.before());
        sb.append(",\"after\":");
        quote(sb, e.after());
        sb.append(",\"details\":{");
        boolean first = true;
        // The event's details are already sorted; sorting again keeps this independent of that.
        for (Map.Entry<String, String> d : new TreeMap<>(e.details()).entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            quote(sb, d.getKey());
            sb.append(':');
            quote(sb, d.getValue());
        }
        return sb.append("}}").toString();
    }

    /**
     * Returns the lowercase hexadecimal SHA-256 of the UTF-8 bytes of {@code previousHash}, a line
     * feed, and {@code canonical}.
     */
    static String hash(String previousHash, String canonical) {
        MessageDigest md = sha256();
        md.update(previousHash.getBytes(StandardCharsets.US_ASCII));
        md.update((byte) '\n');
        md.update(canonical.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(md.digest());
    }

    /** Returns the entry for {@code event}, numbered, timed and chained after {@code previous}. */
    static AuditEntry seal(long sequence, Instant time, AuditEvent event, String previousHash) {
        String hash = hash(previousHash, canonical(sequence, time, event));
        return new AuditEntry(sequence, time, event, previousHash, hash);
    }

    /** Returns whether {@code e.hash()} is the hash of its previous hash and content. */
    static boolean hashMatches(AuditEntry e) {
        return e.hash()
                .equals(hash(e.previousHash(), canonical(e.sequence(), e.time(), e.event())));
    }

    /**
     * Returns the stored line of {@code e}, without its line feed: the canonical serialisation with
     * {@code "previousHash"} and {@code "hash"} added at the end.
     */
    static String line(AuditEntry e) {
        String c = canonical(e.sequence(), e.time(), e.event());
        return c.substring(0, c.length() - 1)
                + ",\"previousHash\":\""
                + e.previousHash()
                + "\",\"hash\":\""
                + e.hash()
                + "\"}";
    }

    /** Returns the head file's text for the last entry {@code e}, with a final line feed. */
    static String head(AuditEntry e) {
        return "{\"sequence\":" + e.sequence() + ",\"hash\":\"" + e.hash() + "\"}\n";
    }

    /**
     * Decodes a line's bytes as UTF-8, refusing malformed input rather than replacing it.
     *
     * @throws FormatException if the bytes are not UTF-8
     */
    static String decode(byte[] bytes) throws FormatException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException("not UTF-8 text");
        }
    }

    /**
     * Parses a stored line into an entry, checking each field but neither the hash nor the chain.
     *
     * @throws FormatException saying why the line is not an entry ("not JSON", "not an audit entry:
     *     'time' is missing", ...)
     */
    static AuditEntry parseEntry(String line) throws FormatException {
        JsonObject o = parseObject(line);
        try {
            return entry(o);
        } catch (FormatException e) {
            throw new FormatException("not an audit entry: " + e.getMessage());
        }
    }

    private static AuditEntry entry(JsonObject o) throws FormatException {
        long sequence = wholeNumber(o, "sequence", true);
        Instant time = instant(o);
        String principal = string(o, "principal", true);
        String actionName = string(o, "action", true);
        AuditAction action;
        try {
            action = AuditAction.valueOf(actionName);
        } catch (IllegalArgumentException e) {
            throw new FormatException("'action' names no known action: '" + actionName + "'");
        }
        String model = string(o, "model", false);
        Long version = wholeNumber(o, "version", false);
        String before = string(o, "before", false);
        String after = string(o, "after", false);
        Map<String, String> details = details(o);
        String previousHash = string(o, "previousHash", true);
        String hash = string(o, "hash", true);
        if (version != null && (version < Integer.MIN_VALUE || version > Integer.MAX_VALUE)) {
            throw new FormatException("'version' is out of range: " + version);
        }
        try {
            AuditEvent event =
                    new AuditEvent(
                            principal,
                            action,
                            model,
                            version == null ? null : version.intValue(),
                            before,
                            after,
                            details);
            return new AuditEntry(sequence, time, event, previousHash, hash);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new FormatException(e.getMessage());
        }
    }

    /**
     * Parses the head file's text.
     *
     * @throws FormatException saying why it is not a head record
     */
    static Head parseHead(String text) throws FormatException {
        JsonObject o = parseObject(text.strip());
        try {
            long sequence = wholeNumber(o, "sequence", true);
            String hash = string(o, "hash", true);
            if (sequence < 1) {
                throw new FormatException("'sequence' must be 1 or more, was " + sequence);
            }
            if (!HEX_256.matcher(hash).matches()) {
                throw new FormatException("'hash' is not 64 lowercase hexadecimal digits");
            }
            if (o.size() != 2) {
                throw new FormatException("fields other than 'sequence' and 'hash'");
            }
            return new Head(sequence, hash);
        } catch (FormatException e) {
            throw new FormatException("not a head record: " + e.getMessage());
        }
    }

    /**
     * Appends {@code s} as a JSON string, or {@code null}: {@code "} and {@code \} are escaped with
     * a backslash, characters below U+0020 and unpaired surrogates as {@code \}{@code uXXXX} (four
     * lowercase hexadecimal digits), every other character as itself.
     */
    static void quote(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                unicodeEscape(sb, c);
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(sb, c);
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    private static void unicodeEscape(StringBuilder sb, char c) {
        sb.append("\\u").append(HEX.toHexDigits(c));
    }

    private static JsonObject parseObject(String text) throws FormatException {
        JsonElement element;
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            element = JSON.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new FormatException("not JSON: text after the object");
            }
        } catch (IOException | RuntimeException e) {
            // Gson reports syntax errors as IOException (MalformedJsonException, EOFException) or
            // as JsonParseException; its messages point at its own documentation, not at the log.
            throw new FormatException("not JSON");
        }
        if (!element.isJsonObject()) {
            throw new FormatException("not a JSON object");
        }
        return element.getAsJsonObject();
    }

    private static JsonElement field(JsonObject o, String name, boolean required)
            throws FormatException {
        JsonElement v = o.get(name);
        if (v == null || v.isJsonNull()) {
            if (required) {
                throw new FormatException("'" + name + "' is missing");
            }
            return null;
        }
        return v;
    }

    private static String string(JsonObject o, String name, boolean required)
            throws FormatException {
        JsonElement v = field(o, name, required);
        if (v == null) {
            return null;
        }
        if (!(v instanceof JsonPrimitive p) || !p.isString()) {
            throw new FormatException("'" + name + "' is not a string");
        }
        return p.getAsString();
    }

    private static Long wholeNumber(JsonObject o, String name, boolean required)
            throws FormatException {
        JsonElement v = field(o, name, required);
        if (v == null) {
            return null;
        }
        if (!(v instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new FormatException("'" + name + "' is not a number");
        }
        try {
            return Long.parseLong(p.getAsString());
        } catch (NumberFormatException e) {
            throw new FormatException("'" + name + "' is not a whole number: " + p.getAsString());
        }
    }

    private static Instant instant(JsonObject o) throws FormatException {
        String text = string(o, "time", true);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new FormatException("'time' is not an ISO-8601 instant: '" + text + "'");
        }
    }

    private static Map<String, String> details(JsonObject o) throws FormatException {
        JsonElement v = field(o, "details", false);
        Map<String, String> details = new TreeMap<>();
        if (v == null) {
            return details;
        }
        if (!v.isJsonObject()) {
            throw new FormatException("'details' is not an object");
        }
        for (Map.Entry<String, JsonElement> d : v.getAsJsonObject().entrySet()) {
            if (!(d.getValue() instanceof JsonPrimitive p) || !p.isString()) {
                throw new FormatException("details value of '" + d.getKey() + "' is not a string");
            }
            details.put(d.getKey(), p.getAsString());
        }
        return details;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
