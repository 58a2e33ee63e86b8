package dev.maas.catalog;

import java.util.List;

/**
 * A search index a repository keeps over the cards of its models, offered by repositories that can
 * search faster than reading every card (a database's full-text index, for example). The
 * marketplace asks it for candidates first and then applies the whole {@link CatalogQuery} to those
 * alone, with {@link Catalog}; without an index it reads every model. An index therefore only
 * narrows: what a search finds is the same with or without one.
 *
 * <p>Implementations are thread-safe.
 */
public interface CatalogIndex {
    /**
     * Returns, sorted, the names of the models whose latest version may match {@code query}: at
     * least every model whose latest card contains each of the query's {@link CatalogQuery#terms()
     * terms} as the start of a word of its name, tags, task, description or intended use (as {@link
     * Catalog} matches them), and passes its task, owner, engine, licence, visibility and tag
     * filters. Metric thresholds, archives, order and pages are left to {@link Catalog}.
     *
     * @throws dev.maas.RepositoryException if the index cannot be read
     */
    List<String> candidates(CatalogQuery query);
}
