package dev.maas;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A reference to a model in the repository: the latest version ({@code "name"}), a fixed version
 * ({@code "name:3"}) or an alias ({@code "name@production"}).
 *
 * <p>Names and aliases match {@value #NAME_PATTERN}: lower-case letters, digits, {@code .}, {@code
 * _} and {@code -}, starting with a letter or digit, at most 128 characters. This rules out path
 * separators and {@code ..}, so no reference can address anything outside the repository. Instances
 * are immutable and thread-safe.
 *
 * @param name the model name
 * @param version the version number (1 to {@value #MAX_VERSION}), or {@code 0} when not fixed
 * @param alias the alias, or {@code null} when not an alias reference
 */
public record ModelRef(String name, int version, String alias) {
    /** The pattern names and aliases must match. */
    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9._-]{0,127}";

    /**
     * The highest version a repository hands out: nine decimal digits, so that every version has
     * one spelling ({@code name:999999999}) and fits an {@code int} with room to spare.
     */
    public static final int MAX_VERSION = 999_999_999;

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    /**
     * Validates the parts of the reference.
     *
     * @throws IllegalArgumentException if the name or alias is malformed, the version is negative,
     *     or both a version and an alias are given
     */
    public ModelRef {
        checkName(name, "model name");
        if (version < 0) {
            throw new IllegalArgumentException("version must be positive, was " + version);
        }
        if (alias != null) {
            checkName(alias, "alias");
            if (version != 0) {
                throw new IllegalArgumentException(
                        "a reference takes a version or an alias, not both: " + name);
            }
        }
    }

    /** Returns a reference to the latest version of {@code name}. */
    public static ModelRef latest(String name) {
        return new ModelRef(name, 0, null);
    }

    /**
     * Returns a reference to version {@code version} of {@code name}.
     *
     * @throws IllegalArgumentException if the version is outside 1 to {@value #MAX_VERSION}
     */
    public static ModelRef of(String name, int version) {
        checkVersion(version, 1);
        return new ModelRef(name, version, null);
    }

    /**
     * Checks that {@code version} lies between {@code min} and {@link #MAX_VERSION}; the one range
     * check of references, cards and repositories.
     *
     * @throws IllegalArgumentException if it does not
     */
    public static int checkVersion(int version, int min) {
        if (version < min || version > MAX_VERSION) {
            throw new IllegalArgumentException(
                    "version must be between " + min + " and " + MAX_VERSION + ", was " + version);
        }
        return version;
    }

    /** Returns a reference to whatever version {@code alias} of {@code name} points at. */
    public static ModelRef alias(String name, String alias) {
        return new ModelRef(name, 0, Objects.requireNonNull(alias, "alias"));
    }

    /**
     * Parses {@code "name"}, {@code "name:3"} or {@code "name@alias"}.
     *
     * @throws IllegalArgumentException if the text is not one of these forms
     */
    public static ModelRef parse(String text) {
        Objects.requireNonNull(text, "text");
        int at = text.indexOf('@');
        if (at >= 0) {
            return alias(text.substring(0, at), text.substring(at + 1));
        }
        int colon = text.indexOf(':');
        if (colon >= 0) {
            String v = text.substring(colon + 1);
            if (v.isEmpty() || v.length() > 9 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException(
                        "malformed model reference '"
                                + text
                                + "': expected name, name:<version> or name@<alias>");
            }
            return of(text.substring(0, colon), Integer.parseInt(v));
        }
        return latest(text);
    }

    /**
     * Checks that {@code value} is a valid model name or alias.
     *
     * @param what what the value is, for the message
     * @throws IllegalArgumentException if it does not match {@value #NAME_PATTERN}
     */
    public static String checkName(String value, String what) {
        Objects.requireNonNull(value, what);
        if (!NAME.matcher(value).matches()) {
            String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
            throw new IllegalArgumentException(
                    "invalid "
                            + what
                            + " '"
                            + shown
                            + "' (length "
                            + value.length()
                            + "): expected "
                            + NAME_PATTERN);
        }
        return value;
    }

    /** Returns the fixed version, if this reference names one. */
    public OptionalInt fixedVersion() {
        return version == 0 ? OptionalInt.empty() : OptionalInt.of(version);
    }

    /** Returns whether this reference goes through an alias. */
    public boolean isAlias() {
        return alias != null;
    }

    /** Returns whether this reference means the latest version. */
    public boolean isLatest() {
        return version == 0 && alias == null;
    }

    /** Returns the text form accepted by {@link #parse(String)}. */
    @Override
    public String toString() {
        if (alias != null) {
            return name + "@" + alias;
        }
        return version == 0 ? name : name + ":" + version;
    }
}
