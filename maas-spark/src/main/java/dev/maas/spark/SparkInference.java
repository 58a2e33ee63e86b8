package dev.maas.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
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
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * Runs any published model over the rows of a Spark {@link Dataset} through a maas {@link
 * Endpoint}: each input column becomes one input tensor of the model (in order), rows are sent in
 * calls of {@link Builder#rowsPerCall(int)} rows, which the endpoint's dynamic batcher merges with
 * the calls of the executor's other tasks, and the model's first output comes back as a column of
 * float arrays, one per row.
 *
 * <pre>{@code
 * SparkInference churn =
 *         SparkInference.builder(RepositoryLocation.folder(Path.of("/mnt/maas")), "churn@production")
 *                 .inputColumns("features")
 *                 .outputColumn("churn")
 *                 .build();
 * churn.predict(spark.table("user_features")).write().parquet(out);
 * }</pre>
 *
 * <p>An input column holds, per row, an array of numbers (the row's features, all rows of equal
 * length) or one number. As with {@link SparkRecommender}, the reference is resolved to one exact
 * version on the driver, each executor JVM loads it once ({@link ExecutorModels}), rows stream
 * through partition by partition, and errors that a retry cannot fix cancel the stage at once.
 *
 * <p>Immutable and thread-safe.
 */
public final class SparkInference {
    private final RepositoryLocation repository;
    private final ModelRef model;
    private final List<String> inputs;
    private final String output;
    private final int rowsPerCall;

    private SparkInference(Builder b, ModelRef model) {
        this.repository = b.repository;
        this.model = model;
        this.inputs = List.copyOf(b.inputs);
        this.output = b.output;
        this.rowsPerCall = b.rowsPerCall;
    }

    /** Returns a builder for model {@code ref} of the repository at {@code location}. */
    public static Builder builder(RepositoryLocation location, String ref) {
        return new Builder(location, ref);
    }

    /** Returns the exact version every executor serves. */
    public ModelRef model() {
        return model;
    }

    /**
     * Returns {@code data} with the output column added (an array of floats per row). Lazy.
     *
     * @throws IllegalArgumentException if an input column is missing (the message names it and the
     *     columns present), is neither numeric nor an array of numbers, or the output column exists
     *     already
     */
    public Dataset<Row> predict(Dataset<Row> data) {
        Objects.requireNonNull(data, "data");
        StructType schema = data.schema();
        int[] positions = new int[inputs.size()];
        for (int n = 0; n < positions.length; n++) {
            String column = inputs.get(n);
            Columns.require(data, column, "input", "SparkInference.Builder.inputColumns");
            positions[n] = schema.fieldIndex(column);
            DataType type = schema.fields()[positions[n]].dataType();
            boolean ok =
                    type instanceof NumericType
                            || (type instanceof ArrayType a
                                    && a.elementType() instanceof NumericType);
            if (!ok) {
                throw new IllegalArgumentException(
                        "input column '"
                                + column
                                + "' is "
                                + type.simpleString()
                                + "; expected a number or an array of numbers per row");
            }
        }
        if (java.util.Arrays.asList(data.columns()).contains(output)) {
            throw new IllegalArgumentException(
                    "the Dataset already has a column '"
                            + output
                            + "'; choose another outputColumn");
        }
        FailFast.install(data.sparkSession().sparkContext());
        StructType out =
                schema.add(output, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return data.mapPartitions(
                new Predict(repository, model.toString(), positions, inputs, rowsPerCall),
                Encoders.row(out));
    }

    /** The executor side: rows in, rows with the model's output appended out, a call at a time. */
    private static final class Predict implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final RepositoryLocation repository;
        private final String model;
        private final int[] positions;
        private final List<String> names;
        private final int rowsPerCall;

        Predict(
                RepositoryLocation repository,
                String model,
                int[] positions,
                List<String> names,
                int rowsPerCall) {
            this.repository = repository;
            this.model = model;
            this.positions = positions;
            this.names = names;
            this.rowsPerCall = rowsPerCall;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Endpoint endpoint = endpoint();
            return new Iterator<>() {
                private final List<Row> chunk = new ArrayList<>();
                private float[][] results = new float[0][];
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < chunk.size()) {
                        return true;
                    }
                    chunk.clear();
                    next = 0;
                    while (chunk.size() < rowsPerCall && rows.hasNext()) {
                        chunk.add(rows.next());
                    }
                    if (chunk.isEmpty()) {
                        return false;
                    }
                    results = run(endpoint, chunk);
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Row row = chunk.get(next);
                    Object[] values = new Object[row.length() + 1];
                    for (int c = 0; c < row.length(); c++) {
                        values[c] = row.get(c);
                    }
                    values[row.length()] = results[next++];
                    return RowFactory.create(values);
                }
            };
        }

        private Endpoint endpoint() {
            try {
                ModelService service = ExecutorModels.service(repository);
                Endpoint e = service.endpoint(model);
                e.card(); // reads the repository now, so an unreadable one fails here
                return e;
            } catch (RuntimeException e) {
                ExecutorModels.recordFailure();
                throw new ExecutorFailureException(
                        Columns.executor()
                                + " cannot open model "
                                + model
                                + " from the repository "
                                + repository
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }

        private float[][] run(Endpoint endpoint, List<Row> chunk) {
            int n = chunk.size();
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList input = new NDList(positions.length);
                for (int c = 0; c < positions.length; c++) {
                    input.add(column(manager, chunk, c));
                }
                NDList outputs;
                try {
                    outputs = endpoint.predict(input);
                } catch (InvalidInputException e) {
                    throw new ExecutorFailureException(
                            "model " + model + " refused rows of " + names + ": " + e.getMessage(),
                            e);
                }
                float[] flat =
                        outputs.get(0)
                                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                .toFloatArray();
                int width = flat.length / n;
                float[][] out = new float[n][];
                for (int r = 0; r < n; r++) {
                    out[r] = java.util.Arrays.copyOfRange(flat, r * width, (r + 1) * width);
                }
                return out;
            }
        }

        private NDArray column(NDManager manager, List<Row> chunk, int c) {
            int pos = positions[c];
            int n = chunk.size();
            Object first = chunk.get(0).get(pos);
            if (!(first instanceof scala.collection.Seq<?>) && !(first instanceof List<?>)) {
                float[] v = new float[n];
                for (int r = 0; r < n; r++) {
                    v[r] = number(chunk.get(r), pos, r, c);
                }
                return manager.create(v, new Shape(n, 1));
            }
            int width = -1;
            float[] v = null;
            for (int r = 0; r < n; r++) {
                Row row = chunk.get(r);
                if (row.isNullAt(pos)) {
                    throw nullValue(c);
                }
                List<Object> values = row.getList(pos);
                if (width < 0) {
                    width = values.size();
                    v = new float[Math.multiplyExact(n, width)];
                } else if (values.size() != width) {
                    throw new ExecutorFailureException(
                            "input column '"
                                    + names.get(c)
                                    + "' holds arrays of "
                                    + width
                                    + " and of "
                                    + values.size()
                                    + " numbers; every row must have the same length");
                }
                for (int j = 0; j < width; j++) {
                    Object x = values.get(j);
                    if (!(x instanceof Number num)) {
                        throw nullValue(c);
                    }
                    v[r * width + j] = num.floatValue();
                }
            }
            return manager.create(v, new Shape(n, width));
        }

        private float number(Row row, int pos, int r, int c) {
            if (row.isNullAt(pos)) {
                throw nullValue(c);
            }
            return ((Number) row.get(pos)).floatValue();
        }

        private ExecutorFailureException nullValue(int c) {
            return new ExecutorFailureException(
                    "input column '" + names.get(c) + "' holds a null value; models need numbers");
        }
    }

    /** Builds {@link SparkInference}s. Not thread-safe. */
    public static final class Builder {
        private final RepositoryLocation repository;
        private final String ref;
        private List<String> inputs = List.of("features");
        private String output = "prediction";
        private int rowsPerCall = 64;

        private Builder(RepositoryLocation repository, String ref) {
            this.repository = Objects.requireNonNull(repository, "repository");
            this.ref = Objects.requireNonNull(ref, "ref");
        }

        /** Sets the columns that become the model's inputs, in order; default {@code features}. */
        public Builder inputColumns(String... columns) {
            if (columns.length == 0) {
                throw new IllegalArgumentException("at least one input column is needed");
            }
            this.inputs = List.of(columns);
            return this;
        }

        /** Sets the name of the output column; default {@code prediction}. */
        public Builder outputColumn(String column) {
            this.output = Objects.requireNonNull(column, "column");
            return this;
        }

        /**
         * Sets how many rows go into one endpoint call; default 64. The endpoint batches calls of
         * concurrent tasks further.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder rowsPerCall(int rows) {
            if (rows <= 0) {
                throw new IllegalArgumentException("rowsPerCall must be > 0, was " + rows);
            }
            this.rowsPerCall = rows;
            return this;
        }

        /**
         * Resolves the reference on the driver and returns the inference job.
         *
         * @throws dev.maas.ModelNotFoundException if the reference resolves to nothing
         * @throws IllegalArgumentException if the model's card declares a different number of
         *     inputs than there are input columns
         */
        public SparkInference build() {
            ModelCard card = ExecutorModels.service(repository).resolve(ModelRef.parse(ref));
            if (!card.inputs().isEmpty() && card.inputs().size() != inputs.size()) {
                throw new IllegalArgumentException(
                        "model "
                                + card.ref()
                                + " takes "
                                + card.inputs().size()
                                + " inputs "
                                + card.inputs()
                                + ", but "
                                + inputs.size()
                                + " input columns were given: "
                                + inputs);
            }
            return new SparkInference(this, card.ref());
        }
    }
}
