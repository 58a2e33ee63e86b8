package dev.maas.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.maas.RepositoryException;
import dev.maas.access.Principal;
import dev.maas.repository.ModelRepository;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The bearer tokens that map network callers to principals. A token is shown once, when it is
 * created; only its SHA-256 is kept, in the repository's store-wide document {@value #DOCUMENT} (a
 * file beside the models on the file repository, a row on the PostgreSQL catalog), so a copy of the
 * store does not give away anyone's access. Tokens are revoked by id.
 *
 * <p>Lookups read the document at most once per {@link #REFRESH} (a revocation made through this
 * instance takes effect at once; one made by another process within that time).
 *
 * <p>Thread-safe.
 */
public final class TokenStore {
    /** The name of the store-wide document holding the tokens. */
    public static final String DOCUMENT = "tokens";

    /** The prefix of every token, so that a leaked one is easy to recognise and search for. */
    public static final String PREFIX = "maas_";

    /** How long a lookup may use the document it read last. */
    static final java.time.Duration REFRESH = java.time.Duration.ofSeconds(1);

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final java.lang.reflect.Type LIST = new TypeToken<List<Stored>>() {}.getType();

    private final Store store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final AtomicReference<Snapshot> cache = new AtomicReference<>();

    /** The document's storage: the repository, or memory. */
    interface Store {
        String read();

        void update(UnaryOperator<String> change);
    }

    /** One stored token: never the token itself, only its hash. */
    private record Stored(String id, String principal, String sha256, String created) {}

    private record Snapshot(Map<String, Stored> byHash, List<Stored> all, long readAtNanos) {}

    /**
     * A token as listed: its id, the principal it acts as and when it was created.
     *
     * @param id the id to revoke it by
     * @param principal the principal's id
     * @param createdAt when it was created
     */
    public record TokenInfo(String id, String principal, Instant createdAt) {}

    /**
     * A token just created: the secret (shown this once, never stored) and what is listed.
     *
     * @param token the bearer token to hand to the caller
     * @param info its listing
     */
    public record CreatedToken(String token, TokenInfo info) {
        /** Keeps the secret out of logs and messages. */
        @Override
        public String toString() {
            return "CreatedToken[" + info + "]";
        }
    }

    private TokenStore(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Returns the tokens kept in {@code repository}'s store-wide documents.
     *
     * @throws UnsupportedOperationException on first use if the repository keeps no documents
     */
    public static TokenStore in(ModelRepository repository) {
        Objects.requireNonNull(repository, "repository");
        return new TokenStore(
                new Store() {
                    @Override
                    public String read() {
                        return repository.document(DOCUMENT);
                    }

                    @Override
                    public void update(UnaryOperator<String> change) {
                        repository.updateDocument(DOCUMENT, change);
                    }
                },
                Clock.systemUTC());
    }

    /** Returns a store that keeps its tokens in memory only, for tests and short-lived servers. */
    public static TokenStore inMemory() {
        AtomicReference<String> doc = new AtomicReference<>();
        return new TokenStore(
                new Store() {
                    @Override
                    public String read() {
                        return doc.get();
                    }

                    @Override
                    public synchronized void update(UnaryOperator<String> change) {
                        doc.set(change.apply(doc.get()));
                    }
                },
                Clock.systemUTC());
    }

    /**
     * Creates a token that acts as the principal {@code principalId}.
     *
     * @return the token (shown this once) and its listing
     * @throws IllegalArgumentException if the id is malformed or is the anonymous principal's
     */
    public CreatedToken create(String principalId) {
        Principal.checkId(principalId, "principal id");
        if (Authenticator.ANONYMOUS.id().equals(principalId)) {
            throw new IllegalArgumentException(
                    "'" + principalId + "' is the principal of calls without a token");
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] idBytes = new byte[6];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        Instant now = clock.instant();
        Stored s = new Stored(id, principalId, sha256(token), now.toString());
        store.update(
                doc -> {
                    List<Stored> all = new ArrayList<>(parse(doc));
                    all.add(s);
                    return GSON.toJson(all, LIST);
                });
        cache.set(null);
        return new CreatedToken(token, new TokenInfo(id, principalId, now));
    }

    /**
     * Revokes the token with id {@code id}: calls with it are refused from now on.
     *
     * @return whether there was such a token
     */
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        boolean[] found = {false};
        store.update(
                doc -> {
                    List<Stored> all = new ArrayList<>(parse(doc));
                    found[0] = all.removeIf(s -> s.id().equals(id));
                    return GSON.toJson(all, LIST);
                });
        cache.set(null);
        return found[0];
    }

    /** Returns every token's listing, oldest first. */
    public List<TokenInfo> list() {
        List<TokenInfo> out = new ArrayList<>();
        for (Stored s : parse(store.read())) {
            out.add(new TokenInfo(s.id(), s.principal(), Instant.parse(s.created())));
        }
        return out;
    }

    /**
     * Returns the principal id {@code token} acts as, or empty if it is unknown or revoked.
     *
     * @throws RepositoryException if the store cannot be read
     */
    public Optional<String> principalOf(String token) {
        Objects.requireNonNull(token, "token");
        Snapshot snap = cache.get();
        long now = System.nanoTime();
        if (snap == null || now - snap.readAtNanos() > REFRESH.toNanos()) {
            List<Stored> all = parse(store.read());
            snap =
                    new Snapshot(
                            all.stream()
                                    .collect(
                                            Collectors.toUnmodifiableMap(
                                                    Stored::sha256, s -> s, (a, b) -> a)),
                            all,
                            now);
            cache.set(snap);
        }
        Stored s = snap.byHash().get(sha256(token));
        return s == null ? Optional.empty() : Optional.of(s.principal());
    }

    private static List<Stored> parse(String doc) {
        if (doc == null || doc.isBlank()) {
            return List.of();
        }
        try {
            List<Stored> all = GSON.fromJson(doc, LIST);
            return all == null ? List.of() : all;
        } catch (JsonParseException e) {
            throw new RepositoryException("the '" + DOCUMENT + "' document is malformed: " + e, e);
        }
    }

    /** Returns the lower-case hex SHA-256 of the token's UTF-8 bytes. */
    static String sha256(String token) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
