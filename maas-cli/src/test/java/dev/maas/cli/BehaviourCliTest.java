package dev.maas.cli;

import static dev.maas.cli.MainTest.args;
import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelService;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code maas train --model churn|next-item} on the generated behaviour sample. */
class BehaviourCliTest {
    @TempDir Path tmp;

    @Test
    void trainChurn_printsTreesAgainstLogisticRegression_andPublishes() {
        Path root = tmp.resolve("repo");

        MainTest.Run r =
                run(args(root, "train", "--model", "churn", "--publish", "--alias", "production"));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Behaviour sample: ")
                .contains("gradient-boosted trees  AUC 0.9")
                .contains("logistic regression     AUC 0.9")
                .contains("churn@production -> churn:1")
                .contains("Published churn:1");
        try (ModelService maas = ModelService.builder().root(root).build()) {
            assertThat(maas.resolve(dev.maas.ModelRef.parse("churn@production")).task())
                    .isEqualTo("churn");
        }
    }

    @Test
    void trainNextItem_printsItAgainstTheBaselines() {
        Path root = tmp.resolve("repo");

        MainTest.Run r = run(args(root, "train", "--model", "next-item", "--epochs", "1"));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Training the next-item model")
                .contains("next-item      HR@10 ")
                .contains("co-occurrence  HR@10 ")
                .doesNotContain("Published");
    }
}
