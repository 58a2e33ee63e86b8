package dev.maas.spark;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.RecommendOptions;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.ScoredItem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Recommends items for every user of a Spark {@link Dataset}: the distributed counterpart of {@link
 * Recommender#recommend(String, int, RecommendOptions)}, with the same results.
 *
 * <pre>{@code
 * SparkRecommender nightly =
 *         SparkRecommender.builder(RepositoryLocation.folder(Path.of("/mnt/maas")), "movies@production")
 *                 .k(10)
 *                 .userColumn("user_id")
 *                 .build();
 * nightly.recommend(spark.table("active_users")).write().parquet("s3://bucket/recs/2026-12-01");
 * }</pre>
 *
 * <p><b>Versions.</b> {@link Builder#build()} resolves the reference on the driver once, so a job
 * serves one exact version on every executor even if an alias moves while it runs; {@link #model()}
 * says which. <b>Loading.</b> Each executor JVM loads that version once, through the {@linkplain
 * ExecutorModels per-JVM service} of the repository, and shares it across all its tasks.
 * <b>Memory.</b> Rows are produced partition by partition as Spark asks for them ({@code
 * mapPartitions}); nothing is collected on the driver.
 *
 * <p><b>Errors.</b> A missing user column and a reference that resolves to nothing fail on the
 * driver, before any job. An executor that cannot read the repository, or a null or blank user id,
 * fails the task with an {@link ExecutorFailureException}, and the stage is cancelled at once
 * rather than retried.
 *
 * <p>Immutable and thread-safe.
 */
public final class SparkRecommender {
    /** The output: one row per recommended item, best first per user. */
    public static final StructType SCHEMA =
            new StructType()
                    .add("user", DataTypes.StringType, false)
                    .add("rank", DataTypes.IntegerType, false)
                    .add("item", DataTypes.StringType, false)
                    .add("score", DataTypes.DoubleType, false);

    private final RepositoryLocation repository;
    private final ModelRef model;
    private final int k;
    private final String userColumn;
    private final ScoringOptions options;

    private SparkRecommender(Builder b, ModelRef model) {
        this.repository = b.repository;
        this.model = model;
        this.k = b.k;
        this.userColumn = b.userColumn;
        this.options = b.options;
    }

    /** Returns a builder for the recommender {@code ref} of the repository at {@code location}. */
    public static Builder builder(RepositoryLocation location, String ref) {
        return new Builder(location, ref);
    }

    /** Returns the exact version ({@code name:version}) every executor serves. */
    public ModelRef model() {
        return model;
    }

    /**
     * Returns the top-{@code k} recommendations of every row of {@code users}, as rows of {@link
     * #SCHEMA}: the user id (the user column as text), the rank from 1, the item id and its score.
     * A user the model does not know gets the most popular items, as from {@link Recommender}. Each
     * input row gives its own rows, so a user listed twice is scored twice.
     *
     * <p>Lazy, like any Dataset transformation: nothing runs until an action (such as a write).
     *
     * @throws IllegalArgumentException if {@code users} has no user column (the message names the
     *     column expected and the columns present)
     */
    public Dataset<Row> recommend(Dataset<Row> users) {
        Objects.requireNonNull(users, "users");
        Columns.require(users, userColumn, "user", "SparkRecommender.Builder.userColumn");
        FailFast.install(users.sparkSession().sparkContext());
        return users.select(
                        functions
                                .col("`" + userColumn.replace("`", "``") + "`")
                                .cast(DataTypes.StringType))
                .mapPartitions(
                        new ScoreUsers(repository, model.toString(), k, userColumn, options),
                        Encoders.row(SCHEMA));
    }

    @Override
    public String toString() {
        return "SparkRecommender[" + model + ", k=" + k + ", " + options + "]";
    }

    /** The executor side: one partition of users in, their recommendations out, lazily. */
    private static final class ScoreUsers implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        /**
         * Users scored together: the item vectors are read once per block (see {@link
         * Recommender#recommendAll}); 256 users' results are a few hundred KB.
         */
        private static final int USERS_PER_BLOCK = 256;

        private final RepositoryLocation repository;
        private final String model;
        private final int k;
        private final String userColumn;
        private final ScoringOptions options;

        ScoreUsers(
                RepositoryLocation repository,
                String model,
                int k,
                String userColumn,
                ScoringOptions options) {
            this.repository = repository;
            this.model = model;
            this.k = k;
            this.userColumn = userColumn;
            this.options = options;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> users) {
            Recommender recommender = open(repository, model);
            RecommendOptions opts = options.toRecommendOptions();
            return new Iterator<>() {
                private final List<String> block = new ArrayList<>(USERS_PER_BLOCK);
                private List<Recommendations> results = List.of();
                private int user;
                private int next;

                @Override
                public boolean hasNext() {
                    while (true) {
                        // Users with no qualifying item have no rows: skip them.
                        while (user < results.size() && next == results.get(user).items().size()) {
                            user++;
                            next = 0;
                        }
                        if (user < results.size()) {
                            return true;
                        }
                        block.clear();
                        while (block.size() < USERS_PER_BLOCK && users.hasNext()) {
                            block.add(checked(users.next().getString(0)));
                        }
                        if (block.isEmpty()) {
                            return false;
                        }
                        results = recommender.recommendAll(block, k, opts);
                        user = 0;
                        next = 0;
                    }
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    ScoredItem item = results.get(user).items().get(next++);
                    return RowFactory.create(block.get(user), next, item.id(), item.score());
                }
            };
        }

        private String checked(String user) {
            if (user == null || user.isBlank()) {
                throw new ExecutorFailureException(
                        "a row of the user column '"
                                + userColumn
                                + "' is "
                                + (user == null ? "null" : "blank")
                                + ": every row must name a user (filter such rows out before"
                                + " scoring)");
            }
            return user;
        }
    }

    /**
     * Opens {@code model} through this JVM's service of {@code repository}; the first call in the
     * JVM loads it, later ones find it in the model store.
     *
     * @throws ExecutorFailureException if the repository cannot be read or the model not loaded
     */
    static Recommender open(RepositoryLocation repository, String model) {
        try {
            return Recommender.open(ExecutorModels.service(repository), model);
        } catch (RuntimeException e) {
            ExecutorModels.recordFailure();
            throw new ExecutorFailureException(
                    Columns.executor()
                            + " cannot load model "
                            + model
                            + " from the repository "
                            + repository
                            + ": "
                            + e.getMessage()
                            + " (every executor must be able to read the repository, such as a"
                            + " shared folder mounted at the same path)",
                    e);
        }
    }

    /** Builds {@link SparkRecommender}s. Not thread-safe. */
    public static final class Builder {
        private final RepositoryLocation repository;
        private final String ref;
        private int k = 10;
        private String userColumn = "user";
        private ScoringOptions options = ScoringOptions.defaults();

        private Builder(RepositoryLocation repository, String ref) {
            this.repository = Objects.requireNonNull(repository, "repository");
            this.ref = Objects.requireNonNull(ref, "ref");
        }

        /**
         * Sets how many items each user gets; default 10.
         *
         * @throws IllegalArgumentException if {@code k <= 0}
         */
        public Builder k(int k) {
            if (k <= 0) {
                throw new IllegalArgumentException("k must be > 0, was " + k);
            }
            this.k = k;
            return this;
        }

        /** Sets the column that holds user ids (any type; read as text); default {@code user}. */
        public Builder userColumn(String column) {
            this.userColumn = Objects.requireNonNull(column, "column");
            return this;
        }

        /** Sets the filters; default {@link ScoringOptions#defaults()}. */
        public Builder options(ScoringOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Resolves the reference on the driver and returns the recommender.
         *
         * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing (the message
         *     names what exists)
         * @throws IllegalArgumentException if the reference is malformed or the model is not a
         *     recommender
         */
        public SparkRecommender build() {
            ModelService service = ExecutorModels.service(repository);
            ModelCard card = service.resolve(ModelRef.parse(ref));
            if (!RecommenderPackage.TASK.equals(card.task())) {
                throw new IllegalArgumentException(
                        "model "
                                + card.ref()
                                + " is not a recommender (task "
                                + card.task()
                                + ", format "
                                + card.format()
                                + "); use SparkInference for other models");
            }
            return new SparkRecommender(this, card.ref());
        }
    }
}
