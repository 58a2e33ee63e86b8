package dev.maas.cli;

/** Checks the request ids given to {@code approve} and {@code deny}. */
final class RequestIds {
    private RequestIds() {}

    /**
     * Checks that {@code id} could be a request id, before any work.
     *
     * @throws CliException if it is blank or holds a line break
     */
    static void check(String id) {
        if (id.isBlank() || id.length() > 128 || id.chars().anyMatch(Character::isISOControl)) {
            throw new CliException(
                    "invalid request id '"
                            + MarketFormat.oneLine(id)
                            + "': pass the id 'maas request-access' printed (see 'maas"
                            + " requests')");
        }
    }
}
