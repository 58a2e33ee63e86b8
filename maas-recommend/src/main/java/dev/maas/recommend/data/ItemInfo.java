package dev.maas.recommend.data;

import java.util.List;
import java.util.Objects;

/**
 * What a catalogue knows about one item: its external id, a display title and its genres.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the external item id, as in the interaction data
 * @param title the display title, such as {@code "Toy Story (1995)"}; the id when the data has no
 *     titles
 * @param genres the item's genres, in the catalogue's genre order; may be empty
 */
public record ItemInfo(String id, String title, List<String> genres) {

    /**
     * Validates and copies the arguments.
     *
     * @throws NullPointerException if an argument or a genre is null
     * @throws IllegalArgumentException if the id is empty or contains a control character
     */
    public ItemInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        IdMap.checkId(id);
        genres = List.copyOf(genres);
    }

    /** Returns an item with no metadata: its title is its id and it has no genres. */
    public static ItemInfo bare(String id) {
        return new ItemInfo(id, id, List.of());
    }
}
