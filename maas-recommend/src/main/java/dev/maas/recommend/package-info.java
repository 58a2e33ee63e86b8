/**
 * Recommendations served from the model repository: publish a trained recommender with {@link
 * dev.maas.recommend.RecommenderPackage}, then ask it through a {@link
 * dev.maas.recommend.Recommender}.
 *
 * <pre>{@code
 * TrainingResult trained = RecommenderTrainer.create(TrainingConfig.defaults(ModelType.BIASED_MF))
 *         .fit(split.train());
 * ModelCard card = RecommenderPackage.builder()
 *         .model(trained.model())
 *         .trainingData(split.train())
 *         .metrics(metrics)
 *         .build()
 *         .publish(maas, "movies");
 * maas.setAlias("movies", "production", card.version());
 *
 * Recommender movies = Recommender.open(maas, "movies@production");
 * Recommendations next = movies.recommend("196", 10, RecommendOptions.builder()
 *         .allowedItems(licensedInFrance)
 *         .build());
 * }</pre>
 *
 * <p><b>How it fits the model store.</b> A published recommender is an ordinary model version (task
 * {@code recommendation}, engine {@code maas-recommend}, format {@code factors}) whose card holds
 * its evaluation metrics and a data summary. {@link dev.maas.recommend.RecommenderBackend},
 * registered through {@code META-INF/services}, loads it into the {@link dev.maas.ModelService}'s
 * store like any model: once per version, shared, weighed, evicted and closed only when no call
 * holds it. A {@code Recommender} reaches the loaded model through {@link
 * dev.maas.ModelService#apply} at every call, so aliases are followed as they move.
 *
 * <p><b>Errors.</b> An unknown user is not an error: results fall back to popularity and say so
 * ({@link dev.maas.recommend.Recommendations.Source#POPULARITY}). An unknown item is: {@link
 * dev.maas.recommend.UnknownItemException}, an {@link dev.maas.InvalidInputException}, names the
 * item and the model version.
 */
package dev.maas.recommend;
