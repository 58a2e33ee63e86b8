/**
 * Gradient-boosted trees: XGBoost models in XGBoost's standard JSON or UBJSON model files and
 * LightGBM models in LightGBM's text model files, served through {@link dev.maas.ModelService}
 * endpoints like any model. See {@link dev.maas.engine.xgboost.XGBoostBackend} and {@link
 * dev.maas.engine.xgboost.LightGbmBackend}.
 */
package dev.maas.engine.xgboost;
