package dev.maas.compression;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelService;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A student with a quarter of the teacher's factors, distilled against one trained from scratch.
 */
class DistillationTest {
    @TempDir Path root;

    @Test
    void quarterSizeStudent_keepsMostOfTheTeachersNdcg_andBeatsTheSameModelFromScratch() {
        Split split = SampleRecommender.split();
        int factors = SampleRecommender.FACTORS / 4;
        try (ModelService maas = SampleRecommender.service(root)) {
            SampleRecommender.publish(maas, "movies");
            CompressedRecommender student =
                    RecommenderCompression.of(maas, "movies", split)
                            .apply(Technique.distill(factors));
            CompressionReport r = student.report();
            System.out.print(r.toTable());
            assertThat(student.model().dim()).isEqualTo(factors);
            assertThat(r.ratio()).isBetween(3.5, 4.0);

            FactorModel scratch =
                    RecommenderTrainer.create(
                                    TrainingConfig.builder(ModelType.BIASED_MF)
                                            .factors(factors)
                                            .epochs(25)
                                            .seed(5)
                                            .build())
                            .fit(split.train())
                            .model();
            Evaluator evaluator = Evaluator.builder().k(10).build();
            double scratchNdcg =
                    evaluator.evaluateRanking(scratch, split.train(), split.test()).ndcg();
            double teacher = r.quality("ndcg@10").before();
            double distilled = r.quality("ndcg@10").after();
            System.out.printf(
                    "ndcg@10: teacher %.4f, distilled student %.4f (%.1f%% of the teacher), from"
                            + " scratch %.4f%n",
                    teacher, distilled, 100 * distilled / teacher, scratchNdcg);
            assertThat(distilled).isGreaterThan(scratchNdcg);
            assertThat(r.quality("ndcg@10").kept()).isGreaterThan(0.8);
        }
    }
}
