package dev.maas.client;

import java.util.List;

/**
 * What a server says of itself.
 *
 * @param name the server's name
 * @param version its version
 * @param extensions the protocol extensions it implements
 */
public record ServerMetadata(String name, String version, List<String> extensions) {
    /** Copies the extensions. */
    public ServerMetadata {
        extensions = List.copyOf(extensions);
    }
}
