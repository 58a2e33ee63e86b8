package dev.maas.server;

import dev.maas.ModelService;
import dev.maas.access.Principal;
import dev.maas.access.UnknownPrincipalException;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns a request's {@code Authorization} header into the principal it acts as: no header is the
 * {@linkplain #ANONYMOUS anonymous principal}; {@code Bearer <token>} is the principal the token
 * was created for, with the teams the marketplace's directory gives it (none if the directory does
 * not know it). An unknown or revoked token, or another scheme, is refused: the caller meant to be
 * someone, and silently serving it as anonymous would hide the mistake. Thread-safe.
 */
final class Authenticator {
    /** The principal of calls without a token: it sees public models only. */
    static final Principal ANONYMOUS = Principal.of("anonymous");

    private final TokenStore tokens;
    private final ModelService maas;

    /**
     * @param tokens the tokens; {@code null} to accept anonymous calls only
     */
    Authenticator(TokenStore tokens, ModelService maas) {
        this.tokens = tokens;
        this.maas = Objects.requireNonNull(maas, "maas");
    }

    /** Returns whether {@code p} is the anonymous principal. */
    static boolean isAnonymous(Principal p) {
        return ANONYMOUS.equals(p);
    }

    /**
     * Returns the principal a request acts as.
     *
     * @param authorization the {@code Authorization} header (or gRPC metadata), or {@code null}
     * @throws OipException (unauthenticated) for a malformed header or an unknown or revoked token;
     *     the message never repeats the token
     */
    Principal authenticate(String authorization) {
        if (authorization == null || authorization.isEmpty()) {
            return ANONYMOUS;
        }
        String prefix = "bearer ";
        if (authorization.length() <= prefix.length()
                || !authorization
                        .substring(0, prefix.length())
                        .toLowerCase(Locale.ROOT)
                        .equals(prefix)) {
            throw new OipException(
                    OipException.Kind.UNAUTHENTICATED,
                    "the Authorization header must be 'Bearer <token>'");
        }
        String token = authorization.substring(prefix.length()).trim();
        String id = tokens == null ? null : tokens.principalOf(token).orElse(null);
        if (id == null) {
            throw new OipException(
                    OipException.Kind.UNAUTHENTICATED, "the bearer token is unknown or revoked");
        }
        try {
            return maas.marketplace().directory().principal(id);
        } catch (UnknownPrincipalException e) {
            return Principal.of(id);
        }
    }
}
