package dev.maas.examples.spring;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Makes sure the repository has a {@code movies@production} recommender: when there is none, trains
 * a tiny one on a generated catalogue and publishes it. A real application would leave this to its
 * training pipeline (or {@code maas train --publish}) and only serve.
 */
@Component("sampleModelPublisher")
public class SampleModelPublisher implements InitializingBean {
    /** The model name the sample serves. */
    public static final String NAME = "movies";

    /** The alias the sample serves. */
    public static final String ALIAS = "production";

    private static final Logger LOG = LoggerFactory.getLogger(SampleModelPublisher.class);

    private final ModelService maas;

    /** Publishes into {@code maas}. */
    public SampleModelPublisher(ModelService maas) {
        this.maas = maas;
    }

    /** Trains and publishes the sample recommender unless the alias already exists. */
    @Override
    public void afterPropertiesSet() {
        if (maas.models().contains(NAME) && maas.aliases(NAME).containsKey(ALIAS)) {
            return;
        }
        Interactions ratings =
                SampleCatalog.builder()
                        .users(80)
                        .items(60)
                        .ratings(2_000)
                        .minRatingsPerUser(5)
                        .seed(7)
                        .build()
                        .generate();
        TrainingConfig config =
                TrainingConfig.builder(ModelType.BIASED_MF).factors(8).epochs(3).build();
        RecommenderPackage pkg =
                RecommenderPackage.builder()
                        .model(RecommenderTrainer.create(config).fit(ratings).model())
                        .trainingData(ratings)
                        .description("tiny sample recommender")
                        .build();
        ModelCard card = pkg.publish(maas, NAME);
        maas.setAlias(NAME, ALIAS, card.version());
        LOG.info("published {} as {}@{}", card.ref(), NAME, ALIAS);
    }
}
