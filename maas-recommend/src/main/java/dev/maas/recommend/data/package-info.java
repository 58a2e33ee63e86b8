/**
 * Interaction data for recommenders: the columnar {@link dev.maas.recommend.data.Interactions}
 * store with its {@link dev.maas.recommend.data.IdMap}s and item catalogue ({@link
 * dev.maas.recommend.data.ItemInfo}), loaders for MovieLens ({@link
 * dev.maas.recommend.data.MovieLens}) and any CSV ({@link
 * dev.maas.recommend.data.CsvInteractionsLoader}) with a strict or skipping {@link
 * dev.maas.recommend.data.BadRowPolicy}, seeded train/test {@link dev.maas.recommend.data.Splits},
 * and the generated {@link dev.maas.recommend.data.SampleCatalog}.
 *
 * <pre>{@code
 * Path folder = SampleCatalog.defaults().materialize(Path.of("sample-data"));
 * LoadResult<Interactions> loaded = MovieLens.load(folder, BadRowPolicy.STRICT);
 * Split split = Splits.randomHoldout(loaded.data(), 0.2, 42);
 * }</pre>
 */
package dev.maas.recommend.data;
