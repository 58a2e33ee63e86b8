package dev.maas.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session of the test JVM, shared by every test class: two worker threads, and
 * up to {@value #MAX_FAILURES} attempts per task, as on a cluster, so that the tests can tell a
 * stage cancelled at its first failure from one retried to exhaustion. Bound to 127.0.0.1, no web
 * UI. Stopped when the JVM exits.
 */
final class SparkTestSession {
    static final int MAX_FAILURES = 8;

    private static SparkSession session;

    private SparkTestSession() {}

    static synchronized SparkSession get() {
        if (session == null) {
            session =
                    SparkSession.builder()
                            .master("local[2," + MAX_FAILURES + "]")
                            .appName("maas-spark-tests")
                            .config("spark.driver.host", "127.0.0.1")
                            .config("spark.driver.bindAddress", "127.0.0.1")
                            .config("spark.ui.enabled", "false")
                            .config("spark.sql.shuffle.partitions", "4")
                            .config("spark.default.parallelism", "4")
                            .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "spark-test-stop"));
        }
        return session;
    }
}
