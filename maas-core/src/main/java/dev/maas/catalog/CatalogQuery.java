package dev.maas.catalog;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a search asks for: free text, filters, metric thresholds, an order and a page. Immutable and
 * thread-safe; make one with {@link #builder()}.
 *
 * <p><b>Text.</b> The text and the searched fields are split into tokens, lower-cased and cut at
 * every character that is not a letter or a digit; the text is never read as a pattern. A model
 * matches when every token of the text equals, or is the start of, some token of its name, tags,
 * task, description or intended use. A text without letters or digits (such as {@code %_}) asks for
 * nothing and matches every model.
 *
 * <p><b>Filters.</b> Every filter set must hold: the task, owner, engine and licence equal the
 * card's (ignoring case), every tag given is among the card's tags (ignoring case), the visibility
 * is the card's, and every metric threshold is met (a card without the metric does not meet it).
 * Archived models are left out unless {@link Builder#includeArchived(boolean)} says otherwise.
 *
 * <p><b>Order.</b> By {@link Sort#RELEVANCE} when the text has tokens, by {@link Sort#NEWEST}
 * otherwise, unless {@link Builder#sort(Sort)} says; ties go by model name.
 */
public final class CatalogQuery {
    /** The page size when none is given. */
    public static final int DEFAULT_PAGE_SIZE = 20;

    /** The largest page size accepted. */
    public static final int MAX_PAGE_SIZE = 200;

    private final String text;
    private final Criteria criteria;
    private final int pageSize;
    private final String pageToken;

    private CatalogQuery(Builder b) {
        this.text = b.text;
        List<String> terms = List.copyOf(Tokens.of(b.text));
        Sort sort = b.sort != null ? b.sort : terms.isEmpty() ? Sort.NEWEST : Sort.RELEVANCE;
        this.criteria =
                new Criteria(
                        terms,
                        b.task,
                        Collections.unmodifiableSet(new TreeSet<>(b.tags)),
                        b.owner,
                        b.engine,
                        b.license,
                        b.visibility,
                        List.copyOf(b.metrics),
                        b.includeArchived,
                        sort);
        this.pageSize = b.pageSize;
        this.pageToken = b.pageToken;
    }

    /** Returns a builder of a query that asks for every model, newest first. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from this query's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.text = text;
        b.task = criteria.task;
        b.tags.addAll(criteria.tags);
        b.owner = criteria.owner;
        b.engine = criteria.engine;
        b.license = criteria.license;
        b.visibility = criteria.visibility;
        b.metrics.addAll(criteria.metrics);
        b.includeArchived = criteria.includeArchived;
        b.sort = criteria.sort;
        b.pageSize = pageSize;
        b.pageToken = pageToken;
        return b;
    }

    /** Returns the free text as given, or {@code null} when none. */
    public String text() {
        return text;
    }

    /** Returns the text's tokens, each of which a model must match; empty when none. */
    public List<String> terms() {
        return criteria.terms;
    }

    /** Returns the task filter, lower-cased, or {@code null} when none. */
    public String task() {
        return criteria.task;
    }

    /** Returns the tags a model must all carry, lower-cased and sorted; empty when none. */
    public Set<String> tags() {
        return criteria.tags;
    }

    /** Returns the owner filter, lower-cased, or {@code null} when none. */
    public String owner() {
        return criteria.owner;
    }

    /** Returns the engine filter, lower-cased, or {@code null} when none. */
    public String engine() {
        return criteria.engine;
    }

    /** Returns the licence filter, lower-cased, or {@code null} when none. */
    public String license() {
        return criteria.license;
    }

    /** Returns the visibility filter, or {@code null} when none. */
    public Visibility visibility() {
        return criteria.visibility;
    }

    /** Returns the metric thresholds a model must all meet; empty when none. */
    public List<MetricThreshold> metrics() {
        return criteria.metrics;
    }

    /** Returns whether archived models are searched too. */
    public boolean includeArchived() {
        return criteria.includeArchived;
    }

    /** Returns the order of the results, the default resolved. */
    public Sort sort() {
        return criteria.sort;
    }

    /** Returns the most results per page. */
    public int pageSize() {
        return pageSize;
    }

    /** Returns the token of the page asked for, or {@code null} for the first page. */
    public String pageToken() {
        return pageToken;
    }

    /** What decides a search's results: everything but the page size and token. */
    Criteria criteria() {
        return criteria;
    }

    /** Returns whether {@code entry} passes every filter, ignoring the text. */
    boolean passesFilters(CatalogEntry entry) {
        if (entry.archived() && !criteria.includeArchived) {
            return false;
        }
        ModelCard card = entry.latest();
        if (!equalsLower(criteria.task, card.task())
                || !equalsLower(criteria.owner, card.owner())
                || !equalsLower(criteria.engine, card.engine())
                || !equalsLower(criteria.license, card.license())) {
            return false;
        }
        if (criteria.visibility != null && criteria.visibility != card.visibility()) {
            return false;
        }
        if (!criteria.tags.isEmpty()) {
            Set<String> cardTags = new TreeSet<>();
            for (String t : card.tags()) {
                cardTags.add(lower(t));
            }
            if (!cardTags.containsAll(criteria.tags)) {
                return false;
            }
        }
        for (MetricThreshold m : criteria.metrics) {
            if (!m.test(card)) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsLower(String filter, String value) {
        return filter == null || (value != null && filter.equals(lower(value)));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** Returns the query in a readable form, for logs. */
    @Override
    public String toString() {
        return "CatalogQuery"
                + criteria
                + "[pageSize="
                + pageSize
                + ", page="
                + (pageToken != null)
                + "]";
    }

    /** The parts of a query that decide its results, compared to tie a page token to its query. */
    record Criteria(
            List<String> terms,
            String task,
            Set<String> tags,
            String owner,
            String engine,
            String license,
            Visibility visibility,
            List<MetricThreshold> metrics,
            boolean includeArchived,
            Sort sort) {}

    /**
     * The order of search results. Every order breaks ties by model name, so results are total and
     * pages stable. Immutable and thread-safe.
     */
    public static final class Sort {
        private enum Kind {
            RELEVANCE,
            NEWEST,
            MOST_USED,
            BEST
        }

        /**
         * Best match first: the sum, over the text's tokens, of the weights of the fields that
         * match it (name 4, tags 3, task 2, description 1, intended use 1). The default when the
         * text has tokens; without them, every model scores 0 and the order is by name.
         */
        public static final Sort RELEVANCE = new Sort(Kind.RELEVANCE, null, true);

        /** Most recently published first; cards without a publish time last. */
        public static final Sort NEWEST = new Sort(Kind.NEWEST, null, true);

        /** Most calls recorded first. */
        public static final Sort MOST_USED = new Sort(Kind.MOST_USED, null, true);

        private final Kind kind;
        private final String metric;
        private final boolean higherIsBetter;

        private Sort(Kind kind, String metric, boolean higherIsBetter) {
            this.kind = kind;
            this.metric = metric;
            this.higherIsBetter = higherIsBetter;
        }

        /**
         * Returns the order by one metric, best first, models without the metric last: {@code
         * best("ndcg@10", true)} for highest first, {@code best("rmse", false)} for lowest first.
         *
         * @throws IllegalArgumentException if the metric name does not match {@value
         *     CardValidator#LABEL_PATTERN}
         * @throws NullPointerException if {@code metric} is {@code null}
         */
        public static Sort best(String metric, boolean higherIsBetter) {
            // The threshold checks the name the same way a metric filter does.
            new MetricThreshold(metric, MetricThreshold.Operator.EQUAL, 0);
            return new Sort(Kind.BEST, metric, higherIsBetter);
        }

        /** Returns the metric of a {@link #best} order, or {@code null} for the other orders. */
        public String metric() {
            return metric;
        }

        /** Returns whether higher values of {@link #metric()} come first. */
        public boolean higherIsBetter() {
            return higherIsBetter;
        }

        boolean isRelevance() {
            return kind == Kind.RELEVANCE;
        }

        boolean isNewest() {
            return kind == Kind.NEWEST;
        }

        boolean isMostUsed() {
            return kind == Kind.MOST_USED;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sort s
                    && s.kind == kind
                    && Objects.equals(s.metric, metric)
                    && s.higherIsBetter == higherIsBetter;
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, metric, higherIsBetter);
        }

        /**
         * Returns {@code relevance}, {@code newest}, {@code most-used} or {@code best(metric,
         * higher|lower)}.
         */
        @Override
        public String toString() {
            return switch (kind) {
                case RELEVANCE -> "relevance";
                case NEWEST -> "newest";
                case MOST_USED -> "most-used";
                case BEST -> "best(" + metric + ", " + (higherIsBetter ? "higher" : "lower") + ")";
            };
        }
    }

    /**
     * Builds {@link CatalogQuery}s. Single-valued settings keep the last value given; {@code null}
     * clears a filter. Not thread-safe.
     */
    public static final class Builder {
        private String text;
        private String task;
        private final Set<String> tags = new TreeSet<>();
        private String owner;
        private String engine;
        private String license;
        private Visibility visibility;
        private final List<MetricThreshold> metrics = new ArrayList<>();
        private boolean includeArchived;
        private Sort sort;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private String pageToken;

        private Builder() {}

        /**
         * Sets the free text; {@code null} or blank for none. Any characters are accepted and taken
         * literally (see {@link CatalogQuery}).
         */
        public Builder text(String text) {
            this.text = text == null || text.isBlank() ? null : text;
            return this;
        }

        /**
         * Keeps only models of this task (ignoring case); {@code null} for any.
         *
         * @throws IllegalArgumentException if {@code task} is blank
         */
        public Builder task(String task) {
            this.task = filter(task, "task");
            return this;
        }

        /**
         * Keeps only models that carry this tag (ignoring case), besides every tag given before.
         *
         * @throws IllegalArgumentException if {@code tag} is blank
         * @throws NullPointerException if {@code tag} is {@code null}
         */
        public Builder tag(String tag) {
            tags.add(filter(Objects.requireNonNull(tag, "tag"), "tag"));
            return this;
        }

        /**
         * Keeps only models owned by this team (ignoring case); {@code null} for any.
         *
         * @throws IllegalArgumentException if {@code owner} is blank
         */
        public Builder owner(String owner) {
            this.owner = filter(owner, "owner");
            return this;
        }

        /**
         * Keeps only models run by this engine, such as {@code PyTorch} (ignoring case); {@code
         * null} for any.
         *
         * @throws IllegalArgumentException if {@code engine} is blank
         */
        public Builder engine(String engine) {
            this.engine = filter(engine, "engine");
            return this;
        }

        /**
         * Keeps only models under this licence, such as {@code Apache-2.0} (ignoring case); {@code
         * null} for any.
         *
         * @throws IllegalArgumentException if {@code license} is blank
         */
        public Builder license(String license) {
            this.license = filter(license, "license");
            return this;
        }

        /** Keeps only models of this visibility; {@code null} for any. */
        public Builder visibility(Visibility visibility) {
            this.visibility = visibility;
            return this;
        }

        /**
         * Keeps only models whose card meets this metric threshold, such as {@code ndcg@10>=0.3} or
         * {@code rmse<0.9}, besides every threshold given before (see {@link
         * MetricThreshold#parse(String)}).
         *
         * @throws IllegalArgumentException if the threshold is malformed, naming it and the form
         *     expected
         * @throws NullPointerException if {@code threshold} is {@code null}
         */
        public Builder metric(String threshold) {
            return metric(MetricThreshold.parse(threshold));
        }

        /**
         * Keeps only models whose card meets {@code threshold}, besides every threshold given
         * before.
         *
         * @throws NullPointerException if {@code threshold} is {@code null}
         */
        public Builder metric(MetricThreshold threshold) {
            metrics.add(Objects.requireNonNull(threshold, "threshold"));
            return this;
        }

        /** Sets whether archived models are searched too (default {@code false}). */
        public Builder includeArchived(boolean includeArchived) {
            this.includeArchived = includeArchived;
            return this;
        }

        /**
         * Sets the order; {@code null} for the default ({@link Sort#RELEVANCE} when the text has
         * tokens, {@link Sort#NEWEST} otherwise).
         */
        public Builder sort(Sort sort) {
            this.sort = sort;
            return this;
        }

        /**
         * Sets the most results per page (default {@value CatalogQuery#DEFAULT_PAGE_SIZE}).
         *
         * @throws IllegalArgumentException if {@code pageSize} is outside 1 to {@value
         *     CatalogQuery#MAX_PAGE_SIZE}
         */
        public Builder pageSize(int pageSize) {
            if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
                throw new IllegalArgumentException(
                        "page size must be between 1 and " + MAX_PAGE_SIZE + ", was " + pageSize);
            }
            this.pageSize = pageSize;
            return this;
        }

        /**
         * Asks for the page this token names, as returned in {@link Catalog.Page#nextPageToken()}
         * by a search with the same query; {@code null} for the first page.
         */
        public Builder pageToken(String pageToken) {
            this.pageToken = pageToken;
            return this;
        }

        /** Returns the query. */
        public CatalogQuery build() {
            return new CatalogQuery(this);
        }

        private static String filter(String value, String what) {
            if (value == null) {
                return null;
            }
            if (value.isBlank()) {
                throw new IllegalArgumentException(
                        what + " filter is blank: expected a value, or null for no filter");
            }
            return value.toLowerCase(Locale.ROOT);
        }
    }
}
