/**
 * The marketplace's discovery: what people see when they look for a model to use.
 *
 * <p>{@link dev.maas.catalog.CatalogEntry} is one model as discovery sees it, {@link
 * dev.maas.catalog.Catalog} searches, filters, sorts and pages a list of them, {@link
 * dev.maas.catalog.Lineage} follows what was derived from what, and {@link
 * dev.maas.catalog.CardValidator} checks that a card is fit to publish. Everything here is pure: it
 * works on the values it is given, does no I/O and decides nothing about access beyond the
 * visibility predicate its caller passes in.
 */
package dev.maas.catalog;
