/**
 * Hyperparameter search for the recommenders: {@link dev.maas.recommend.tune.Tuner} runs random
 * search with successive halving on a validation split within a time budget.
 */
package dev.maas.recommend.tune;
