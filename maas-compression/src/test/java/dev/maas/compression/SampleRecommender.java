package dev.maas.compression;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.nio.file.Path;

/** A recommender trained on DJL once per test JVM on a small sample catalogue, and its split. */
final class SampleRecommender {
    static final int FACTORS = 64;

    private static Split split;
    private static FactorModel model;

    private SampleRecommender() {}

    static synchronized Split split() {
        if (split == null) {
            split =
                    Splits.randomHoldout(
                            SampleCatalog.builder()
                                    .users(400)
                                    .items(600)
                                    .ratings(30_000)
                                    .seed(11)
                                    .build()
                                    .generate(),
                            0.2,
                            7);
        }
        return split;
    }

    static synchronized FactorModel model() {
        if (model == null) {
            model =
                    RecommenderTrainer.create(
                                    TrainingConfig.builder(ModelType.BIASED_MF)
                                            .factors(FACTORS)
                                            .epochs(25)
                                            .seed(5)
                                            .build())
                            .fit(split().train())
                            .model();
        }
        return model;
    }

    /** Publishes the sample as {@code name} in a service rooted at {@code root}. */
    static ModelCard publish(ModelService service, String name) {
        return RecommenderPackage.builder()
                .model(model())
                .trainingData(split().train())
                .description("sample movies")
                .property("source.note", "test")
                .build()
                .publish(service, name);
    }

    static ModelService service(Path root) {
        return ModelService.builder().root(root).build();
    }
}
