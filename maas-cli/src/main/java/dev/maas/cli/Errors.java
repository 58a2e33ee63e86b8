package dev.maas.cli;

import dev.maas.MaasException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one-line messages the command prints. */
final class Errors {
    private Errors() {}

    /** Returns a one-line description of {@code e} for the user. */
    static String describe(Throwable e) {
        Throwable t = e;
        if (t instanceof UncheckedIOException && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (t instanceof NoSuchFileException) {
            return "no such file: " + message;
        }
        if (t instanceof AccessDeniedException) {
            return "permission denied: " + message;
        }
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        message = message.strip().replaceAll("\\s*\\R\\s*", " ");
        boolean expected =
                t instanceof CliException
                        || t instanceof MaasException
                        || t instanceof IllegalArgumentException
                        || t instanceof IllegalStateException
                        || t instanceof java.io.IOException;
        return expected ? message : t.getClass().getSimpleName() + ": " + message;
    }

    /** Returns whether stack traces were asked for ({@code MAAS_DEBUG=1}). */
    static boolean verbose() {
        String debug = System.getenv("MAAS_DEBUG");
        return debug != null && !debug.isEmpty() && !debug.equals("0");
    }
}
