/**
 * Model compression with measured trade-offs: post-training quantization ({@link
 * dev.maas.compression.Quantization}), pruning, low-rank factorisation and distillation, applied to
 * published recommenders ({@link dev.maas.compression.RecommenderCompression}) and to the
 * parameters of any DJL block ({@link dev.maas.compression.BlockCompression}), each with a {@link
 * dev.maas.compression.CompressionReport} (bytes, quality, latency before and after) that goes into
 * the compressed version's card.
 */
package dev.maas.compression;
