/**
 * User-behaviour prediction: what a user does next and whether they stay.
 *
 * <p>{@link dev.maas.behaviour.data} holds behaviour logs with timestamps, a seeded generator with
 * time dynamics and leakage-free splits; the other packages train and serve next-item sequence
 * models and churn/completion tree models.
 */
package dev.maas.behaviour;
