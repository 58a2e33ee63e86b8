package dev.maas.engine.tensorflow;

import ai.djl.engine.Engine;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Test fixture: a dense layer {@code y = relu(x·W + b)} with fixed weights, exported as a
 * TensorFlow SavedModel with the TensorFlow Java API; expected values come from {@link
 * ReferenceMath}.
 *
 * <p>W is a graph variable, so the SavedModel has a real {@code variables/} checkpoint; b is a
 * constant. Immutable and thread-safe.
 *
 * @param w weights, {@code [inputs][outputs]}
 * @param b bias, {@code [outputs]}
 */
record DenseSavedModel(float[][] w, float[] b) {
    /** Name of the signature's input tensor (DJL matches inputs by NDArray name). */
    static final String INPUT = "x";

    /** Name of the signature's output tensor. */
    static final String OUTPUT = "y";

    /** Returns a layer with {@code inputs x outputs} weights drawn from {@code seed}. */
    static DenseSavedModel random(int inputs, int outputs, long seed) {
        Random r = new Random(seed);
        float[][] w = new float[inputs][outputs];
        for (float[] row : w) {
            for (int j = 0; j < outputs; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        float[] b = new float[outputs];
        for (int j = 0; j < outputs; j++) {
            b[j] = (float) (r.nextGaussian() * 0.5);
        }
        return new DenseSavedModel(w, b);
    }

    int inputs() {
        return w.length;
    }

    int outputs() {
        return b.length;
    }

    /** Computes {@code relu(x·W + b)} for a batch, in plain Java (no engine involved). */
    float[][] apply(float[][] x) {
        return ReferenceMath.relu(ReferenceMath.affine(x, w, b));
    }

    /**
     * Exports the layer as a SavedModel into {@code dir} (which must not exist or be empty), with
     * the {@code serving_default} signature {@code x: float32 (-1, inputs) -> y: float32 (-1,
     * outputs)}.
     */
    Path export(Path dir) throws IOException {
        startTensorFlow();
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x =
                    tf.withName(INPUT)
                            .placeholder(
                                    TFloat32.class,
                                    Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, inputs())));
            Operand<TFloat32> weights = tf.withName("w").variable(tf.constant(w));
            Operand<TFloat32> y =
                    tf.withName(OUTPUT)
                            .nn
                            .relu(tf.math.add(tf.linalg.matMul(x, weights), tf.constant(b)));
            try (Session session = new Session(graph)) {
                session.initialize();
                Signature signature =
                        Signature.builder()
                                .key("serving_default")
                                .input(INPUT, x)
                                .output(OUTPUT, y)
                                .build();
                SavedModelBundle.exporter(dir.toString())
                        .withFunction(SessionFunction.create(signature, session))
                        .export();
            }
        }
        return dir;
    }

    /**
     * Starts DJL's TensorFlow engine the way the backend does, so that the TensorFlow Java API
     * finds {@code jnitensorflow}.
     */
    static void startTensorFlow() {
        TensorFlowNatives.prepare(DenseSavedModel.class.getClassLoader());
        Engine.getEngine(TensorFlowBackend.ENGINE);
    }
}
