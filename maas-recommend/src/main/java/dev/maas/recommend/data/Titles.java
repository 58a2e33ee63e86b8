package dev.maas.recommend.data;

/**
 * Makes up film titles for the sample catalogue from a seed. A few words carry accents so that the
 * ISO-8859-1 path of the MovieLens 100K files is exercised. Stateless and thread-safe.
 */
final class Titles {
    private static final String[] ADJECTIVES = {
        "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Lost", "Wild",
        "Frozen", "Electric", "Distant", "Burning", "Secret", "Hollow", "Velvet", "Iron", "Paper",
        "Quiet", "Restless", "Bitter", "Brave", "Scarlet", "Endless", "Little", "Savage", "Lucky",
        "Forgotten", "Sleepless", "Final", "Dangerous", "Blue"
    };
    private static final String[] NOUNS = {
        "Harbor", "Empire", "River", "Garden", "Witness", "Frontier", "Letter", "Station",
                "Kingdom",
        "Mirror", "Summer", "Promise", "Shadow", "Voyage", "Island", "Machine", "Stranger",
                "Horizon",
        "Café", "Señorita", "Noël", "Détour", "Château", "Fiancée", "Matador", "Carnival", "Heist",
        "Orchard", "Lighthouse", "Reckoning", "Paradise", "Detective"
    };
    private static final String[] PLACES = {
        "Paris",
        "the North",
        "Tomorrow",
        "Saint-Étienne",
        "Málaga",
        "the Valley",
        "Zürich",
        "Memphis",
        "the Sea",
        "Bogotá",
        "Manhattan",
        "the Moon",
        "São Paulo",
        "Berlin",
        "the Desert",
        "Montréal"
    };

    private Titles() {}

    static String title(int seed) {
        int h = seed;
        int a = next(h);
        int b = next(a);
        int c = next(b);
        int d = next(c);
        int year = 1930 + (int) (68 * Math.sqrt(Math.floorMod(d, 10_000) / 10_000.0));
        String name;
        switch (Math.floorMod(a, 5)) {
            case 0 -> name = "The " + pick(ADJECTIVES, b) + " " + pick(NOUNS, c);
            case 1 -> name = pick(NOUNS, b) + " of " + pick(PLACES, c);
            case 2 -> name = pick(ADJECTIVES, b) + " " + pick(NOUNS, c);
            case 3 -> name = "The " + pick(NOUNS, b) + " of " + pick(PLACES, c);
            default -> name = pick(NOUNS, b) + " in " + pick(PLACES, c);
        }
        if (Math.floorMod(d >>> 8, 23) == 0) {
            name = name + " II";
        }
        return name + " (" + year + ")";
    }

    private static String pick(String[] words, int h) {
        return words[Math.floorMod(h, words.length)];
    }

    private static int next(int h) {
        int x = h * 0x9E3779B9 + 0x7F4A7C15;
        x ^= x >>> 15;
        x *= 0x2C1B3C6D;
        x ^= x >>> 12;
        return x;
    }
}
