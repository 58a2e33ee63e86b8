package dev.maas.compression;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;
import java.util.SplittableRandom;

/**
 * Distils a factor model into a student with fewer factors. The student keeps the teacher's biases
 * and learns vectors {@code p_u, q_i} of length {@code f} that minimise, by stochastic gradient
 * descent,
 *
 * <pre>
 * ½ l2 ‖θ‖² + Σ (teacher(u, i) − student(u, i))²
 * </pre>
 *
 * over the pairs of the training data and as many pairs drawn at random each epoch (the teacher
 * scores every pair, so the student also learns what the teacher thinks of items a user has not
 * rated). This is the compression objective {@code min ½‖θ‖² + λ Σ ‖x − f(x, θ)‖²} with {@code λ =
 * 1 / l2}. Stateless.
 */
final class Distillation {
    private static final float LEARNING_RATE = 0.01f;

    private Distillation() {}

    static FactorModel distill(FactorModel teacher, Interactions train, Technique.Distill d) {
        int f = d.factors();
        if (f > teacher.dim()) {
            throw new IllegalArgumentException(
                    "distill setting 'factors' is "
                            + f
                            + ", larger than the teacher's layer 'item_factors' ("
                            + teacher.numItems()
                            + " x "
                            + teacher.dim()
                            + "): at most "
                            + teacher.dim());
        }
        int users = teacher.numUsers();
        int items = teacher.numItems();
        SplittableRandom random = new SplittableRandom(d.seed());
        float[] p = new float[users * f];
        float[] q = new float[items * f];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (random.nextGaussian() * 0.1);
        }
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) (random.nextGaussian() * 0.1);
        }
        int n = train.size();
        float lr = LEARNING_RATE;
        float l2 = d.l2();
        int[] order = new int[2 * n];
        for (int epoch = 0; epoch < d.epochs(); epoch++) {
            for (int k = 0; k < order.length; k++) {
                order[k] = k;
            }
            for (int k = order.length - 1; k > 0; k--) {
                int j = random.nextInt(k + 1);
                int t = order[k];
                order[k] = order[j];
                order[j] = t;
            }
            for (int k : order) {
                int u;
                int i;
                if (k < n) {
                    u = train.user(k);
                    i = train.item(k);
                } else {
                    u = random.nextInt(users);
                    i = random.nextInt(items);
                }
                float target = teacher.score(u, i) - bias(teacher, u, i);
                int pu = u * f;
                int qi = i * f;
                float s = 0;
                for (int c = 0; c < f; c++) {
                    s += p[pu + c] * q[qi + c];
                }
                float err = target - s;
                for (int c = 0; c < f; c++) {
                    float a = p[pu + c];
                    float b = q[qi + c];
                    p[pu + c] += lr * (err * b - l2 * a);
                    q[qi + c] += lr * (err * a - l2 * b);
                }
            }
            lr *= 0.9f;
        }
        return FactorOps.withFactors(teacher, f, p, q);
    }

    private static float bias(FactorModel m, int u, int i) {
        return m.globalBias() + m.userBias(u) + m.itemBias(i);
    }
}
