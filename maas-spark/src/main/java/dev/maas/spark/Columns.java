package dev.maas.spark;

import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Checks on a Dataset's columns, made on the driver before any job runs. */
final class Columns {
    private Columns() {}

    /**
     * Throws {@link IllegalArgumentException} naming the missing column and the columns present
     * unless {@code data} has {@code column}.
     */
    static void require(Dataset<Row> data, String column, String role, String setter) {
        String[] present = data.columns();
        if (!Arrays.asList(present).contains(column)) {
            throw new IllegalArgumentException(
                    "the Dataset has no "
                            + role
                            + " column '"
                            + column
                            + "'; its columns are "
                            + Arrays.toString(present)
                            + " (name the "
                            + role
                            + " column with "
                            + setter
                            + ")");
        }
    }

    /** Describes this executor for error messages: host and JVM process id. */
    static String executor() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown host";
        }
        return "executor on " + host + " (JVM " + ProcessHandle.current().pid() + ")";
    }
}
