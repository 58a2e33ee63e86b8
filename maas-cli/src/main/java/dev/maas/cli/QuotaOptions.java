package dev.maas.cli;

import dev.maas.access.Quota;
import picocli.CommandLine.Option;

/** The quota options of {@code share} and {@code approve}: limits on the grantee's calls. */
final class QuotaOptions {
    @Option(
            names = "--max-in-flight",
            paramLabel = "<n>",
            description = "Most calls of the grantee running at once (default 0: no limit).")
    Integer maxInFlight;

    @Option(
            names = "--calls-per-second",
            paramLabel = "<r>",
            description = "Most calls of the grantee started per second (default 0: no limit).")
    Double callsPerSecond;

    /**
     * Returns the quota, {@link Quota#NONE} when neither option is given.
     *
     * @throws CliException if a limit is negative or not a finite number
     */
    Quota quota() {
        int n = maxInFlight == null ? 0 : maxInFlight;
        double r = callsPerSecond == null ? 0 : callsPerSecond;
        if (n < 0) {
            throw new CliException("--max-in-flight must be 0 (no limit) or more, was " + n);
        }
        if (!(r >= 0) || Double.isInfinite(r)) {
            throw new CliException(
                    "--calls-per-second must be a number, 0 (no limit) or more, was "
                            + callsPerSecond);
        }
        return new Quota(n, r);
    }
}
