package dev.maas.spark;

import dev.maas.recommend.data.ItemInfo;
import java.io.Serializable;
import java.util.function.Predicate;

/**
 * A predicate on item metadata that can travel to Spark executors, such as {@code info ->
 * info.genres().contains("Comedy")}. It runs on executor threads and must be thread-safe.
 */
@FunctionalInterface
public interface ItemFilter extends Predicate<ItemInfo>, Serializable {}
