/**
 * XGBoost backend: gradient-boosted tree models in XGBoost's standard JSON or UBJSON model files,
 * served through {@link dev.maas.ModelService} endpoints like any model. See {@link
 * dev.maas.engine.xgboost.XGBoostBackend}.
 */
package dev.maas.engine.xgboost;
