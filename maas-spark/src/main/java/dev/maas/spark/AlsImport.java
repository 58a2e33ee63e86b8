package dev.maas.spark;

import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Row;

/**
 * Turns a Spark MLlib {@link ALSModel} into a maas recommender, so that a model trained on the
 * cluster is served in-process with everything maas adds (versions, aliases, the model store, top-K
 * retrieval with filters, the card).
 *
 * <pre>{@code
 * ALSModel als = new ALS().setRank(32).fit(ratings);
 * Interactions train = AlsImport.interactions(ratings, "user", "item", "rating");
 * AlsImport.toPackage(als, train, false).publish(maas, "movies");
 * }</pre>
 *
 * <p>The factors become a {@link FactorModel} whose score is ALS's prediction, {@code
 * dot(userFactor, itemFactor)}, with every bias zero; the training data gives the user and item ids
 * (the decimal text of ALS's integer ids), the items each user has seen (left out of
 * recommendations by default) and the card's data summary. The card records the source ({@code
 * source=spark-mllib-als}), the rank and Spark's version. Users or items with ratings but no ALS
 * factor (ALS gives every id of its training data one, so this means other data) get zero vectors.
 *
 * <p>Stateless; thread-safe.
 */
public final class AlsImport {
    private AlsImport() {}

    /**
     * Collects {@code ratings} (a Spark DataFrame) to the driver as {@link Interactions} with text
     * ids: the data an ALS model was fitted on, as {@link #toPackage} needs. The DataFrame must fit
     * in the driver's memory (20 bytes a rating).
     *
     * @throws IllegalArgumentException if a column is missing (the message names the columns
     *     present)
     */
    public static Interactions interactions(
            org.apache.spark.sql.Dataset<Row> ratings,
            String userColumn,
            String itemColumn,
            String ratingColumn) {
        Columns.require(ratings, userColumn, "user", "the userColumn argument");
        Columns.require(ratings, itemColumn, "item", "the itemColumn argument");
        Columns.require(ratings, ratingColumn, "rating", "the ratingColumn argument");
        Interactions.Builder b = Interactions.builder();
        java.util.Iterator<Row> rows =
                ratings.selectExpr(
                                "CAST(" + quote(userColumn) + " AS STRING)",
                                "CAST(" + quote(itemColumn) + " AS STRING)",
                                "CAST(" + quote(ratingColumn) + " AS FLOAT)")
                        .toLocalIterator();
        while (rows.hasNext()) {
            Row r = rows.next();
            b.add(r.getString(0), r.getString(1), r.getFloat(2), 0L);
        }
        return b.build();
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /**
     * Returns a publishable recommender with {@code als}'s factors.
     *
     * @param als the fitted model
     * @param train the data it was fitted on, ids the decimal text of ALS's integer ids
     * @param implicit whether ALS ran on implicit feedback ({@code implicitPrefs}): the model is
     *     then a ranking model ({@link ModelType#BPR_MF}'s kind) rather than a rating predictor
     * @throws IllegalArgumentException if an id of {@code train} is not an integer
     */
    public static RecommenderPackage toPackage(ALSModel als, Interactions train, boolean implicit) {
        Objects.requireNonNull(als, "als");
        Objects.requireNonNull(train, "train");
        int rank = als.rank();
        float[] users = factors(als.userFactors(), train.users(), rank, "user");
        float[] items = factors(als.itemFactors(), train.items(), rank, "item");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("source", "spark-mllib-als");
        props.put("rank", Integer.toString(rank));
        props.put("implicitPrefs", Boolean.toString(implicit));
        props.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        FactorModel model =
                new FactorModel(
                        implicit ? ModelType.BPR_MF : ModelType.BIASED_MF,
                        rank,
                        train.users(),
                        train.items(),
                        train.hasItemMetadata() ? train.catalogue() : null,
                        train.genres(),
                        users,
                        items,
                        new float[train.numUsers()],
                        new float[train.numItems()],
                        0f,
                        implicit ? Float.NaN : train.minValue(),
                        implicit ? Float.NaN : train.maxValue(),
                        props);
        return RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .description("Spark MLlib ALS, rank " + rank + ", imported into maas")
                .tags("spark", "als")
                .property("source", "spark-mllib-als")
                .build();
    }

    /**
     * Places each factor row of {@code factors} (id, features) at its id's index of {@code ids}.
     */
    private static float[] factors(
            org.apache.spark.sql.Dataset<Row> factors, IdMap ids, int rank, String side) {
        int[] alsIds = new int[ids.size()];
        for (int i = 0; i < alsIds.length; i++) {
            String id = ids.id(i);
            try {
                alsIds[i] = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        side
                                + " id '"
                                + id
                                + "' of the training data is not an integer; ALS ids are"
                                + " integers, and the training data must name them in decimal");
            }
        }
        Map<Integer, Integer> index = new java.util.HashMap<>(alsIds.length * 2);
        for (int i = 0; i < alsIds.length; i++) {
            index.put(alsIds[i], i);
        }
        float[] out = new float[Math.multiplyExact(ids.size(), rank)];
        java.util.Iterator<Row> rows = factors.toLocalIterator();
        while (rows.hasNext()) {
            Row r = rows.next();
            Integer at = index.get(r.getInt(0));
            if (at == null) {
                continue; // an id ALS saw that the given training data does not hold
            }
            List<Float> f = r.getList(1);
            for (int d = 0; d < rank; d++) {
                out[at * rank + d] = f.get(d);
            }
        }
        return out;
    }
}
