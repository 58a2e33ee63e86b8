/**
 * Training of recommendation models with DJL on the PyTorch engine: {@link
 * dev.maas.recommend.train.RecommenderTrainer} fits a {@link dev.maas.recommend.train.ModelType}
 * under a {@link dev.maas.recommend.train.TrainingConfig}, reports each epoch to a {@link
 * dev.maas.recommend.train.TrainingListener}, and returns a {@link
 * dev.maas.recommend.train.FactorModel}: user and item vectors plus biases, scored by a dot
 * product, that saves to and loads from a folder of float32 files.
 *
 * <pre>{@code
 * TrainingResult result =
 *         RecommenderTrainer.create(TrainingConfig.defaults(ModelType.BPR_MF))
 *                 .fit(split.train(), stats -> System.out.println(stats.epoch() + " " + stats.trainLoss()));
 * result.model().save(Path.of("models/bpr"));
 * }</pre>
 */
package dev.maas.recommend.train;
