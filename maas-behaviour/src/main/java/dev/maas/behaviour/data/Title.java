package dev.maas.behaviour.data;

import java.util.Objects;

/**
 * One title of the catalogue: a film, or an episode of a series.
 *
 * @param id the external id
 * @param name a display name ({@code "Series 3, episode 2"})
 * @param genre index into the log's genre list
 * @param series the series index, or {@code -1} for a film
 * @param episode the episode number, 1-based ({@code 0} for a film)
 * @param minutes the running time
 */
public record Title(String id, String name, int genre, int series, int episode, int minutes) {
    /** Validates the fields. */
    public Title {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (minutes <= 0) {
            throw new IllegalArgumentException("minutes must be positive, was " + minutes);
        }
    }

    /** Returns whether this title is an episode of a series. */
    public boolean isEpisode() {
        return series >= 0;
    }
}
