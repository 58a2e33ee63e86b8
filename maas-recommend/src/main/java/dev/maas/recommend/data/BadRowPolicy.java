package dev.maas.recommend.data;

/** What a loader does with a row it cannot read (wrong field count, unparsable number, ...). */
public enum BadRowPolicy {
    /**
     * Stop at the first bad row with a {@link MalformedDataException} that names the file, the line
     * number and the reason. The default: data problems should be seen, not averaged away.
     */
    STRICT,
    /**
     * Leave bad rows out, count them and describe the first few in the {@link LoadReport}; the
     * loader logs a warning with the count.
     */
    SKIP
}
