/**
 * Exact top-K retrieval over item embeddings: {@link dev.maas.recommend.retrieval.EmbeddingIndex}
 * scores every item against a query ({@code dot(query, item) + bias}) and keeps the best {@code k},
 * with {@link dev.maas.recommend.retrieval.Filter}s for seen items, licensing sets and candidate
 * lists.
 *
 * <h2>Enabling the fast kernel</h2>
 *
 * <p>The default kernel uses the Java Vector API, an incubator module in JDK 17. Start the JVM with
 * {@code --add-modules jdk.incubator.vector} (the JVM then prints one warning that an incubator
 * module is in use). Without the flag everything still works: {@link
 * dev.maas.recommend.retrieval.Kernel#AUTO} falls back to the scalar kernel and logs once why.
 *
 * <p>The vector kernel reaches full speed once the JIT has compiled it, within the first second or
 * two of queries in a fresh JVM (before that the Vector API runs interpreted and is very slow):
 * warm a new process with a few queries before it takes traffic.
 */
package dev.maas.recommend.retrieval;
