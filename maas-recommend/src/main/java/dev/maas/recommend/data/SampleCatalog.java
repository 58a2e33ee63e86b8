package dev.maas.recommend.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates a synthetic movie catalogue with ratings that behaves like MovieLens 100K, so that the
 * library can be demonstrated, tested and benchmarked without downloading anything.
 *
 * <p><b>Model.</b> Every user has a taste for each of the 19 MovieLens genres and a position in a
 * small hidden taste space (tastes that genres do not describe, such as "arthouse" or "loud");
 * every item has one to four genres, a position in the same hidden space, a quality and a
 * log-normal popularity correlated with its quality. A user's affinity for an item is their mean
 * taste over its genres plus the hidden-space dot product. Users choose what to rate as real users
 * do: mostly popular titles, and among those the ones they expect to like (items are drawn by
 * popularity and kept with a probability that rises steeply once the affinity passes a threshold a
 * little above average). The rating is a latent score, {@code user bias + item quality + 2 x
 * affinity + noise}, cut into 1 to 5 stars at the quantiles that reproduce the MovieLens 100K
 * rating histogram (6.1%, 11.4%, 27.1%, 34.2%, 21.2%; mean 3.53). Timestamps fall in the MovieLens
 * 100K period (September 1997 to April 1998), each user active over a few days to weeks.
 *
 * <p><b>Calibration.</b> With the defaults the catalogue matches MovieLens 100K in size (943 users,
 * 1682 items, 100,000 ratings, at least 20 per user), rating histogram, user activity skew (median
 * 66 ratings per user, heaviest 740) and popularity skew (median item 34 ratings, most popular
 * about 400, a long tail of items with a handful or none). The noise and the weight of affinity are
 * set so that, as on MovieLens 100K, user and item biases alone reach an RMSE of about 0.95 on a
 * random 20% test split and matrix factorisation improves on that by about 5%, while the choice of
 * items carries a strong personal signal, so ranking models beat popularity by a wide margin.
 * Models tuned on it therefore face the same kind of problem as on the real data; its absolute
 * scores are not MovieLens scores.
 *
 * <p><b>Scale.</b> Memory grows with the number of ratings (20 bytes each) plus about 60 bytes per
 * item and 110 per user; titles are derived from the item index on demand, not stored. Users are
 * generated in parallel on the common fork-join pool. A million items, 100,000 users and ten
 * million ratings take about 300 MB of heap.
 *
 * <p>Generation is a pure function of the settings: the same builder settings give the same data,
 * byte for byte, on any machine and with any number of threads. A built {@code SampleCatalog} is
 * immutable and thread-safe.
 */
public final class SampleCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(SampleCatalog.class);

    /** Default number of users, as in MovieLens 100K. */
    public static final int DEFAULT_USERS = 943;

    /** Default number of items, as in MovieLens 100K. */
    public static final int DEFAULT_ITEMS = 1682;

    /** Default number of ratings, as in MovieLens 100K. */
    public static final long DEFAULT_RATINGS = 100_000;

    /** Default seed. */
    public static final long DEFAULT_SEED = 42;

    /** Bumped whenever the generator's output changes, so cached folders are regenerated. */
    static final int GENERATOR_VERSION = 1;

    /** MovieLens 100K rating shares for 1..5 stars, cumulative. */
    private static final double[] CUMULATIVE_STARS = {0.0611, 0.1748, 0.4463, 0.7880, 1.0};

    /**
     * Relative frequency of each genre on MovieLens 100K items, in {@link MovieLens#GENRES_100K}.
     */
    private static final double[] GENRE_WEIGHTS = {
        2, 251, 135, 42, 122, 505, 109, 50, 725, 22, 24, 92, 56, 61, 247, 101, 251, 71, 27
    };

    private static final int GENRES = GENRE_WEIGHTS.length;
    private static final int HIDDEN = 6;
    private static final long START = 874_724_710L; // 1997-09-20, first MovieLens 100K rating
    private static final long END = 893_286_638L; // 1998-04-22, last one

    // Latent-score components (standard deviations) and selection strength; see class Javadoc.
    static final double USER_BIAS_SD = 0.45;
    static final double QUALITY_SD = 0.55;
    static final double GENRE_TASTE_SD = 0.55;
    static final double HIDDEN_SD = 0.45;
    static final double NOISE_SD = 0.55;
    static final double RATING_AFFINITY = 2.0;
    static final double SELECTION = 6.0;
    static final double SELECTION_THRESHOLD = 0.4;
    static final double POPULARITY_SD = 1.7;
    static final double POPULARITY_CLIP = 2.5;
    static final double QUALITY_POPULARITY_CORRELATION = 0.5;

    private final int users;
    private final int items;
    private final long ratings;
    private final int minPerUser;
    private final long seed;

    private SampleCatalog(Builder b) {
        this.users = b.users;
        this.items = b.items;
        this.ratings = b.ratings;
        this.minPerUser = b.minPerUser;
        this.seed = b.seed;
    }

    /** Returns a builder with the MovieLens-100K-sized defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the default catalogue: 943 users, 1682 items, 100,000 ratings, seed 42. */
    public static SampleCatalog defaults() {
        return builder().build();
    }

    /** Returns the number of users. */
    public int users() {
        return users;
    }

    /** Returns the number of items. */
    public int items() {
        return items;
    }

    /** Returns the target number of ratings (the result may differ by a fraction of a percent). */
    public long ratings() {
        return ratings;
    }

    /** Returns the seed. */
    public long seed() {
        return seed;
    }

    /**
     * Generates the catalogue and its ratings. User and item ids are {@code "1".."n"}.
     *
     * @throws IllegalStateException if the ratings do not fit in one store (over 2^31 - 1)
     */
    public Interactions generate() {
        long started = System.nanoTime();
        SplittableRandom root = new SplittableRandom(seed);
        World world = new World(root.split());
        int[] perUser = activity(root.split());
        long total = 0;
        for (int n : perUser) {
            total += n;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many ratings for one store: " + total);
        }
        int n = (int) total;
        int[] userIdx = new int[n];
        int[] itemIdx = new int[n];
        float[] score = new float[n];
        long[] time = new long[n];
        // Each user's rows come from that user's own generator and go to that user's own slice,
        // so users are generated in parallel with the same result as one by one.
        SplittableRandom picks = root.split();
        long[] userSeeds = new long[users];
        int[] offsets = new int[users + 1];
        for (int u = 0; u < users; u++) {
            userSeeds[u] = picks.nextLong();
            offsets[u + 1] = offsets[u] + perUser[u];
        }
        ThreadLocal<IntSet> chosenSets = ThreadLocal.withInitial(() -> new IntSet(64));
        IntStream.range(0, users)
                .parallel()
                .forEach(
                        u -> {
                            SplittableRandom r = new SplittableRandom(userSeeds[u]);
                            IntSet chosen = chosenSets.get();
                            chosen.clear(perUser[u]);
                            long start =
                                    START + (long) (Math.pow(r.nextDouble(), 1.3) * (END - START));
                            double activeDays =
                                    Math.min(1 + -Math.log(1 - r.nextDouble()) * 20, 200);
                            long span = Math.min((long) (activeDays * 86_400), END - start);
                            int attempts = 0;
                            int row = offsets[u];
                            for (int k = 0; k < perUser[u]; ) {
                                int item = world.popular(r);
                                attempts++;
                                if (chosen.contains(item)) {
                                    continue;
                                }
                                double affinity = world.affinity(u, item);
                                // Users mostly rate what they expect to like: the chance of
                                // keeping a drawn item rises steeply with affinity. After many
                                // refusals any item is kept, so very picky users still finish.
                                double keep =
                                        1
                                                / (1
                                                        + Math.exp(
                                                                -SELECTION
                                                                        * (affinity
                                                                                - SELECTION_THRESHOLD)));
                                if (attempts < 50 * perUser[u] && r.nextDouble() > keep) {
                                    continue;
                                }
                                chosen.add(item);
                                userIdx[row] = u;
                                itemIdx[row] = item;
                                score[row] =
                                        (float)
                                                (world.userBias[u]
                                                        + world.quality[item]
                                                        + RATING_AFFINITY * affinity
                                                        + NOISE_SD * r.nextGaussian());
                                time[row] = start + (long) (r.nextDouble() * span);
                                row++;
                                k++;
                            }
                        });
        float[] stars = toStars(score);
        Interactions data =
                new Interactions(
                        IdMap.sequential(users),
                        IdMap.sequential(items),
                        world.catalogue(),
                        MovieLens.GENRES_100K,
                        userIdx,
                        itemIdx,
                        stars,
                        time);
        LOG.debug(
                "Generated sample catalogue in {} ms: {}",
                (System.nanoTime() - started) / 1_000_000,
                data.describe());
        return data;
    }

    /**
     * Generates the catalogue and writes it in the MovieLens 100K layout ({@code u.data}, {@code
     * u.item}, {@code u.genre}) into {@code dir}, so that {@link MovieLens#load100k} reads it.
     *
     * @throws UncheckedIOException if the files cannot be written
     */
    public void writeMovieLens100k(Path dir) {
        MovieLens.write100k(generate(), dir);
    }

    /**
     * Makes sure {@code dir} holds this catalogue in the MovieLens 100K layout and returns {@code
     * dir}: when it already holds the files written by an identical catalogue (same settings and
     * generator version, recorded in {@code sample.properties}), nothing is done; otherwise the
     * files are generated into a temporary sibling folder and moved into place, so a crash never
     * leaves a half-written folder behind. Safe to call from several processes at once: one wins,
     * the others find its result.
     *
     * @throws UncheckedIOException if the folder cannot be written
     * @throws IllegalStateException if {@code dir} exists and holds other files
     */
    public Path materialize(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        Properties wanted = describeSettings();
        if (matches(target, wanted)) {
            return target;
        }
        if (Files.exists(target) && !isEmptyDir(target)) {
            throw new IllegalStateException(
                    target
                            + " exists and does not hold this sample catalogue (sample.properties"
                            + " missing or different); choose an empty or new folder");
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempDirectory(target.getParent(), ".sample-");
            try {
                writeMovieLens100k(tmp);
                try (OutputStream out = Files.newOutputStream(tmp.resolve("sample.properties"))) {
                    wanted.store(out, "maas sample catalogue (MovieLens 100K layout)");
                }
                Files.deleteIfExists(target); // an empty folder from an earlier attempt
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target);
                }
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                if (!matches(target, wanted)) {
                    throw new IllegalStateException(
                            target + " was written concurrently with other contents", e);
                }
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample catalogue to " + target, e);
        }
        LOG.info("Wrote sample catalogue ({} users, {} items) to {}", users, items, target);
        return target;
    }

    private Properties describeSettings() {
        Properties p = new Properties();
        p.setProperty("generatorVersion", Integer.toString(GENERATOR_VERSION));
        p.setProperty("users", Integer.toString(users));
        p.setProperty("items", Integer.toString(items));
        p.setProperty("ratings", Long.toString(ratings));
        p.setProperty("minRatingsPerUser", Integer.toString(minPerUser));
        p.setProperty("seed", Long.toString(seed));
        return p;
    }

    private static boolean matches(Path dir, Properties wanted) {
        Path marker = dir.resolve("sample.properties");
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Properties found = new Properties();
        try (InputStream in = Files.newInputStream(marker)) {
            found.load(in);
        } catch (IOException e) {
            return false;
        }
        return found.equals(wanted)
                && Files.isRegularFile(dir.resolve("u.data"))
                && Files.isRegularFile(dir.resolve("u.item"))
                && Files.isRegularFile(dir.resolve("u.genre"));
    }

    private static boolean isEmptyDir(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Ratings per user: the minimum plus a log-normal share of the rest, capped at 44% of the
     * catalogue (the heaviest MovieLens 100K user rated 737 of 1682 films); what the cap removes is
     * shared out again among the others.
     */
    private int[] activity(SplittableRandom r) {
        int cap = Math.max(minPerUser, (int) (items * 0.44));
        double[] extra = new double[users];
        for (int u = 0; u < users; u++) {
            extra[u] = Math.exp(1.15 * r.nextGaussian());
        }
        int[] perUser = new int[users];
        boolean[] capped = new boolean[users];
        double budget = Math.max(0, ratings - (double) minPerUser * users);
        for (int round = 0; round < 8; round++) {
            double sum = 0;
            double left = budget;
            for (int u = 0; u < users; u++) {
                if (capped[u]) {
                    left -= cap - minPerUser;
                } else {
                    sum += extra[u];
                }
            }
            boolean changed = false;
            for (int u = 0; u < users; u++) {
                if (capped[u]) {
                    perUser[u] = cap;
                    continue;
                }
                long n = minPerUser + Math.round(extra[u] / sum * Math.max(0, left));
                if (n >= cap) {
                    capped[u] = true;
                    changed = true;
                }
                perUser[u] = (int) Math.min(cap, n);
            }
            if (!changed) {
                break;
            }
        }
        return perUser;
    }

    /** Cuts latent scores into stars at the quantiles of the MovieLens 100K histogram. */
    private static float[] toStars(float[] score) {
        float[] sorted = score.clone();
        Arrays.sort(sorted);
        float[] cut = new float[4];
        for (int s = 0; s < 4; s++) {
            int at =
                    (int)
                            Math.min(
                                    sorted.length - 1,
                                    Math.round(CUMULATIVE_STARS[s] * sorted.length));
            cut[s] = sorted.length == 0 ? 0 : sorted[at];
        }
        float[] stars = new float[score.length];
        for (int k = 0; k < score.length; k++) {
            int star = 1;
            while (star < 5 && score[k] >= cut[star - 1]) {
                star++;
            }
            stars[k] = star;
        }
        return stars;
    }

    /** The hidden parameters of users and items. */
    private final class World {
        final float[] userBias = new float[users];
        final float[] genreTaste = new float[users * GENRES];
        final float[] userHidden = new float[users * HIDDEN];
        final float[] quality = new float[items];
        final float[] itemHidden = new float[items * HIDDEN];
        final int[] genreMask = new int[items];
        final float[] genreCountInv = new float[items];
        final int[] titleSeed = new int[items];
        // Walker alias table over item popularity.
        final float[] aliasProb = new float[items];
        final int[] alias = new int[items];

        World(SplittableRandom r) {
            double hiddenScale = HIDDEN_SD / Math.sqrt(HIDDEN) / 0.8;
            for (int u = 0; u < users; u++) {
                userBias[u] = (float) (USER_BIAS_SD * r.nextGaussian());
                for (int g = 0; g < GENRES; g++) {
                    genreTaste[u * GENRES + g] = (float) (GENRE_TASTE_SD * r.nextGaussian());
                }
                for (int h = 0; h < HIDDEN; h++) {
                    userHidden[u * HIDDEN + h] = (float) (r.nextGaussian());
                }
            }
            double[] genreCdf = new double[GENRES];
            double acc = 0;
            for (int g = 0; g < GENRES; g++) {
                acc += GENRE_WEIGHTS[g];
                genreCdf[g] = acc;
            }
            double[] order = new double[items];
            for (int i = 0; i < items; i++) {
                quality[i] = (float) (QUALITY_SD * r.nextGaussian());
                for (int h = 0; h < HIDDEN; h++) {
                    itemHidden[i * HIDDEN + h] = (float) (hiddenScale * r.nextGaussian());
                }
                double p = r.nextDouble();
                int count = p < 0.50 ? 1 : p < 0.85 ? 2 : p < 0.97 ? 3 : 4;
                int mask = 0;
                while (Integer.bitCount(mask) < count) {
                    double x = r.nextDouble() * acc;
                    int g = 0;
                    while (genreCdf[g] < x) {
                        g++;
                    }
                    mask |= 1 << g;
                }
                genreMask[i] = mask;
                genreCountInv[i] = 1f / count;
                titleSeed[i] = r.nextInt();
                double z = quality[i] / QUALITY_SD;
                double rho = QUALITY_POPULARITY_CORRELATION;
                order[i] = rho * z + Math.sqrt(1 - rho * rho) * r.nextGaussian();
            }
            buildAlias(order);
        }

        /**
         * Popularity weights: log-normal in the (quality-correlated) popularity score, with the
         * head clipped so that no item is chosen by almost everyone.
         */
        private void buildAlias(double[] order) {
            double[] weight = new double[items];
            double sum = 0;
            for (int i = 0; i < items; i++) {
                weight[i] = Math.exp(POPULARITY_SD * Math.min(order[i], POPULARITY_CLIP));
                sum += weight[i];
            }
            // Vose's alias method: O(1) draws from the popularity distribution.
            double[] scaled = new double[items];
            int[] small = new int[items];
            int[] large = new int[items];
            int ns = 0;
            int nl = 0;
            for (int i = 0; i < items; i++) {
                scaled[i] = weight[i] / sum * items;
                if (scaled[i] < 1) {
                    small[ns++] = i;
                } else {
                    large[nl++] = i;
                }
            }
            while (ns > 0 && nl > 0) {
                int s = small[--ns];
                int l = large[--nl];
                aliasProb[s] = (float) scaled[s];
                alias[s] = l;
                scaled[l] = scaled[l] + scaled[s] - 1;
                if (scaled[l] < 1) {
                    small[ns++] = l;
                } else {
                    large[nl++] = l;
                }
            }
            while (nl > 0) {
                aliasProb[large[--nl]] = 1f;
            }
            while (ns > 0) {
                aliasProb[small[--ns]] = 1f;
            }
        }

        int popular(SplittableRandom r) {
            int i = r.nextInt(items);
            return r.nextFloat() < aliasProb[i] ? i : alias[i];
        }

        double affinity(int u, int i) {
            double genre = 0;
            int mask = genreMask[i];
            int base = u * GENRES;
            while (mask != 0) {
                int g = Integer.numberOfTrailingZeros(mask);
                genre += genreTaste[base + g];
                mask &= mask - 1;
            }
            double hidden = 0;
            for (int h = 0; h < HIDDEN; h++) {
                hidden += userHidden[u * HIDDEN + h] * itemHidden[i * HIDDEN + h];
            }
            return genre * genreCountInv[i] + hidden;
        }

        List<ItemInfo> catalogue() {
            return new AbstractList<>() {
                @Override
                public ItemInfo get(int i) {
                    Objects.checkIndex(i, items);
                    List<String> names = new ArrayList<>(4);
                    int mask = genreMask[i];
                    while (mask != 0) {
                        names.add(MovieLens.GENRES_100K.get(Integer.numberOfTrailingZeros(mask)));
                        mask &= mask - 1;
                    }
                    return new ItemInfo(Integer.toString(i + 1), Titles.title(titleSeed[i]), names);
                }

                @Override
                public int size() {
                    return items;
                }
            };
        }
    }

    /** A small open-addressing set of non-negative ints, reused per user. */
    private static final class IntSet {
        private int[] slots;
        private int mask;

        IntSet(int capacity) {
            clear(capacity);
        }

        void clear(int expected) {
            int size = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            if (slots == null || slots.length < size || slots.length > 4 * size) {
                slots = new int[size];
            }
            Arrays.fill(slots, -1);
            mask = slots.length - 1;
        }

        boolean contains(int v) {
            int h = mix(v) & mask;
            while (slots[h] != -1) {
                if (slots[h] == v) {
                    return true;
                }
                h = (h + 1) & mask;
            }
            return false;
        }

        void add(int v) {
            int h = mix(v) & mask;
            while (slots[h] != -1) {
                if (slots[h] == v) {
                    return;
                }
                h = (h + 1) & mask;
            }
            slots[h] = v;
        }

        private static int mix(int v) {
            int h = v * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }

    /** Configures a {@link SampleCatalog}. Not thread-safe. */
    public static final class Builder {
        private int users = DEFAULT_USERS;
        private int items = DEFAULT_ITEMS;
        private long ratings = DEFAULT_RATINGS;
        private int minPerUser = 20;
        private long seed = DEFAULT_SEED;

        private Builder() {}

        /**
         * Sets the number of users; default 943.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder users(int users) {
            if (users < 1) {
                throw new IllegalArgumentException("users must be >= 1, was " + users);
            }
            this.users = users;
            return this;
        }

        /**
         * Sets the number of items; default 1682.
         *
         * @throws IllegalArgumentException if below 2
         */
        public Builder items(int items) {
            if (items < 2) {
                throw new IllegalArgumentException("items must be >= 2, was " + items);
            }
            this.items = items;
            return this;
        }

        /**
         * Sets the target number of ratings; default 100,000. Each user rates at least {@link
         * #minRatingsPerUser} and at most half the catalogue, so the result can differ slightly.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder ratings(long ratings) {
            if (ratings < 1) {
                throw new IllegalArgumentException("ratings must be >= 1, was " + ratings);
            }
            this.ratings = ratings;
            return this;
        }

        /**
         * Sets the fewest ratings any user has; default 20, as in MovieLens.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder minRatingsPerUser(int min) {
            if (min < 1) {
                throw new IllegalArgumentException("minRatingsPerUser must be >= 1, was " + min);
            }
            this.minPerUser = min;
            return this;
        }

        /** Sets the seed; default 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Returns the catalogue settings.
         *
         * @throws IllegalArgumentException if users cannot each rate the minimum within half the
         *     catalogue
         */
        public SampleCatalog build() {
            if (minPerUser > Math.max(1, items / 2)) {
                throw new IllegalArgumentException(
                        "minRatingsPerUser ("
                                + minPerUser
                                + ") must be at most half the number of items ("
                                + items
                                + ")");
            }
            return new SampleCatalog(this);
        }
    }
}
