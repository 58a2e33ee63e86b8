package dev.maas.market;

import dev.maas.AccessDeniedException;
import dev.maas.Endpoint;
import dev.maas.MaasException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Principal;
import dev.maas.access.Quota;
import dev.maas.audit.AuditAction;
import dev.maas.audit.AuditEntry;
import dev.maas.audit.AuditEvent;
import dev.maas.catalog.CardValidator;
import dev.maas.catalog.Catalog.Page;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogIndex;
import dev.maas.catalog.CatalogQuery;
import dev.maas.catalog.Lineage;
import dev.maas.repository.ListedVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The marketplace as one principal sees it: every operation checks what the principal may do and is
 * recorded in the audit log when it changes something. Obtained from {@link
 * Marketplace#as(Principal)} (or {@code ModelService.as(...)}).
 *
 * <p><b>Seeing is the first right.</b> A principal without {@link Permission#READ} on a model
 * cannot tell that it exists: every operation on it throws {@link ModelNotFoundException} with the
 * same message as for a model that does not exist, naming only the models the principal can see. A
 * principal that can see the model but lacks the right for an operation gets {@link
 * AccessDeniedException} naming the permission needed.
 *
 * <p>One thing cannot be hidden: model names are one namespace, so publishing under a name that a
 * model the principal cannot see already has is refused, and says the name is taken.
 *
 * <p>Thread-safe; cheap to create, one per request is fine.
 */
public final class ModelSession {
    private final Marketplace market;
    private final Principal principal;

    ModelSession(Marketplace market, Principal principal) {
        this.market = market;
        this.principal = principal;
    }

    /** Returns the principal this session acts for. */
    public Principal principal() {
        return principal;
    }

    // ---- access checks ----

    /** Returns the decision on {@code model}, requiring at least {@code needed}. */
    Marketplace.Decision require(String model, Permission needed) {
        ModelRef.checkName(model, "model name");
        market.checkOpen();
        Marketplace.Decision d = market.decide(principal, model);
        if (d.permission() == null) {
            throw notFound(model);
        }
        if (!d.permission().includes(needed)) {
            throw new AccessDeniedException(
                    "principal '"
                            + principal.id()
                            + "' may not "
                            + verb(needed)
                            + " model '"
                            + model
                            + "': needs "
                            + needed
                            + ", has "
                            + d.permission());
        }
        return d;
    }

    /** Refuses to act for a team the principal is not in. */
    private void requireMember(String team, String what) {
        if (!principal.isIn(team)) {
            throw new AccessDeniedException(
                    "principal '"
                            + principal.id()
                            + "' may not "
                            + what
                            + " for team '"
                            + team
                            + "': it is not a member (teams: "
                            + principal.teams()
                            + ")");
        }
    }

    private static String verb(Permission p) {
        return switch (p) {
            case READ -> "see";
            case USE -> "use";
            case PUBLISH -> "publish to";
            case ADMIN -> "administer";
        };
    }

    /** The same exception, and message shape, for a model that is missing or not visible. */
    private ModelNotFoundException notFound(String model) {
        List<String> visible = models();
        String shown =
                visible.isEmpty()
                        ? "none"
                        : visible.size() <= 20
                                ? String.join(", ", visible)
                                : String.join(", ", visible.subList(0, 20)) + ", ...";
        return new ModelNotFoundException(
                "model '" + model + "' not found; models you can see: " + shown);
    }

    /** Runs a repository read, turning "model not found" into this session's own message. */
    private <T> T read(String model, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (ModelNotFoundException e) {
            if (market.access(model) == null) {
                throw notFound(model);
            }
            throw e; // the model exists: a version or alias is missing, say which
        }
    }

    private void audit(AuditEvent.Builder event) {
        market.audit.append(event.build());
    }

    private AuditEvent.Builder event(AuditAction action, String model) {
        return AuditEvent.builder(principal.id(), action).model(model);
    }

    // ---- discovery ----

    /** Returns the names of the models this principal can see, sorted. */
    public List<String> models() {
        List<String> out = new ArrayList<>();
        for (String name : market.repository.names()) {
            if (market.decide(principal, name).permission() != null) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Searches the models this principal can see; archived models only if the query asks for them.
     * Pages are stable: see {@link dev.maas.catalog.Catalog}. A repository that is a {@link
     * CatalogIndex} narrows the models read first.
     *
     * @throws IllegalArgumentException if the query's page token is unknown or expired
     */
    public Page search(CatalogQuery query) {
        Objects.requireNonNull(query, "query");
        market.flushUsage(); // so that usage figures include this process's latest calls
        List<CatalogEntry> entries = new ArrayList<>();
        // A later page comes from the first page's snapshot: the entries are not read.
        List<String> names =
                query.pageToken() != null
                        ? List.of()
                        : market.repository instanceof CatalogIndex index
                                ? index.candidates(query)
                                : market.repository.names();
        for (String name : names) {
            if (market.decide(principal, name).permission() == null) {
                continue;
            }
            try {
                entries.add(entry(name));
            } catch (ModelNotFoundException e) {
                // deleted meanwhile
            } catch (MaasException e) {
                market.logBroken(name, e);
            }
        }
        return market.catalog.search(
                entries,
                query,
                e -> market.decide(principal, e.latest().name()).permission() != null);
    }

    private CatalogEntry entry(String name) {
        List<ListedVersion> versions = market.repository.listing(name);
        ModelCard latest = null;
        for (ListedVersion v : versions) {
            if (v.isReadable()) {
                latest = v.card();
            }
        }
        if (latest == null) {
            throw new dev.maas.MalformedModelException(
                    "no readable version of model '" + name + "'");
        }
        Lifecycle life = market.store.lifecycle(name);
        return new CatalogEntry(
                latest,
                versions.size(),
                market.repository.aliases(name),
                market.storedUsage(name),
                life.deprecations().keySet(),
                life.archived());
    }

    /**
     * Returns everything known of a model: its versions (broken ones with the reason), aliases,
     * lifecycle, usage and this principal's permission.
     *
     * @throws ModelNotFoundException if it does not exist or this principal cannot see it
     */
    public ModelListing show(String model) {
        Marketplace.Decision d = require(model, Permission.READ);
        market.flushUsage();
        return read(
                model,
                () ->
                        new ModelListing(
                                market.repository.listing(model),
                                market.repository.aliases(model),
                                market.store.lifecycle(model),
                                market.storedUsage(model),
                                d.permission()));
    }

    /**
     * Returns the calls recorded for a model, one row per version, principal and day (this
     * process's latest calls included). Needs {@link Permission#READ}.
     */
    public List<dev.maas.catalog.UsageRow> usage(String model) {
        require(model, Permission.READ);
        market.flushUsage();
        return read(model, () -> market.store.usage(model));
    }

    /**
     * Returns the card {@code ref} resolves to.
     *
     * @throws ModelNotFoundException if it does not exist or this principal cannot see it
     */
    public ModelCard resolve(ModelRef ref) {
        require(ref.name(), Permission.READ);
        return read(ref.name(), () -> market.maas.resolve(ref));
    }

    /**
     * Returns the lineage of a model: what it derives from (nearest first) and every model derived
     * from it, both limited to what this principal can see. Each model's lineage is that of its
     * latest version.
     */
    public LineageView lineage(String model) {
        require(model, Permission.READ);
        List<CatalogEntry> entries = new ArrayList<>();
        for (String name : market.repository.names()) {
            try {
                entries.add(CatalogEntry.of(market.repository.resolve(ModelRef.latest(name))));
            } catch (ModelNotFoundException e) {
                // deleted meanwhile
            } catch (MaasException e) {
                market.logBroken(name, e);
            }
        }
        Lineage lineage = new Lineage(entries);
        List<ModelRef> ancestors =
                lineage.ancestors(model).stream()
                        .filter(r -> market.decide(principal, r.name()).permission() != null)
                        .toList();
        Set<String> descendants =
                lineage.descendants(model).stream()
                        .filter(n -> market.decide(principal, n).permission() != null)
                        .collect(Collectors.toCollection(java.util.TreeSet::new));
        return new LineageView(model, ancestors, descendants);
    }

    /** What a model derives from, and what derives from it. */
    public record LineageView(String model, List<ModelRef> ancestors, Set<String> descendants) {
        /** Copies. */
        public LineageView {
            ancestors = List.copyOf(ancestors);
            descendants = Set.copyOf(descendants);
        }
    }

    // ---- use ----

    /**
     * Returns an endpoint for {@code ref} that calls the model as this principal: {@link
     * Permission#USE} is checked now and about once a second while it is used, the principal's
     * quota applies to every call, and every call is counted in the model's usage.
     *
     * @throws ModelNotFoundException if the model does not exist, cannot be seen, or is archived
     * @throws AccessDeniedException if the principal may see but not use it
     */
    public Endpoint endpoint(String ref) {
        ModelRef parsed = ModelRef.parse(ref);
        checkUsable(parsed.name());
        return new SessionEndpoint(this, market.maas.endpoint(parsed));
    }

    /**
     * Runs {@code fn} on the loaded model {@code ref} resolves to, as this principal (see {@link
     * dev.maas.ModelService#apply}): used by modules that serve through an API of their own, such
     * as recommenders. Checked, limited and counted as an endpoint call.
     */
    public <T, R> R apply(ModelRef ref, Class<T> type, Function<? super T, ? extends R> fn) {
        Marketplace.Decision d = checkUsable(ref.name());
        dev.maas.access.QuotaLimiter.Permit permit = acquire(ref.name(), d); // refused: not counted
        try {
            return market.maas.apply(ref, type, fn);
        } finally {
            permit.close();
            count(ref);
        }
    }

    /** Checks {@link Permission#USE} and that the model is not archived. */
    Marketplace.Decision checkUsable(String model) {
        Marketplace.Decision d = require(model, Permission.USE);
        if (market.lifecycle(model).archived()) {
            throw new ModelNotFoundException(
                    "model '" + model + "' is archived; an admin can restore it");
        }
        return d;
    }

    /** Takes a quota permit for one call. */
    dev.maas.access.QuotaLimiter.Permit acquire(String model, Marketplace.Decision d) {
        if (d.quotaHolder() == null) {
            return market.quotas.acquire(Grantee.principal(principal.id()), model, Quota.NONE);
        }
        return market.quotas.acquire(d.quotaHolder(), model, d.quota());
    }

    /** Counts one call of {@code ref} and warns once if its version is deprecated. */
    void count(ModelRef ref) {
        int version;
        try {
            version = market.maas.resolve(ref).version();
        } catch (MaasException e) {
            return; // the call failed for the same reason
        }
        market.usage.record(ref.name(), version, principal.id());
        market.warnIfDeprecated(principal, ref.name(), version);
    }

    // ---- publish ----

    /**
     * Publishes a version. The card is validated for the marketplace (known task, an owner team,
     * well-formed metric names and tags: see {@link CardValidator}). A new model's owner must be
     * one of this principal's teams; publishing to an existing one needs {@link
     * Permission#PUBLISH}, and {@link Permission#ADMIN} if the card changes the model's owner or
     * visibility.
     *
     * @throws IllegalArgumentException naming the card field that is not valid
     */
    public ModelCard publish(ModelPackage modelPackage) {
        ModelCard card = modelPackage.card();
        CardValidator.validateForPublish(card);
        String name = card.name();
        if (market.access(name) == null) {
            requireMember(card.owner(), "publish model '" + name + "'");
        } else if (market.decide(principal, name).permission() == null) {
            // Names are one namespace: a name that is taken cannot be hidden from a publisher.
            throw new AccessDeniedException(
                    "principal '"
                            + principal.id()
                            + "' may not publish model '"
                            + name
                            + "': the name is taken by a model it cannot see");
        } else {
            require(name, Permission.PUBLISH);
            dev.maas.access.ModelAccess now = market.access(name);
            if (!card.owner().equals(now.owner()) || card.visibility() != now.visibility()) {
                // A new version must not hand the model to another team or widen who sees it.
                require(name, Permission.ADMIN);
            }
        }
        ModelCard stored = market.maas.publish(modelPackage);
        market.changed(name);
        audit(
                event(AuditAction.PUBLISH, name)
                        .version(stored.version())
                        .after(stored.ref().toString())
                        .detail("owner", String.valueOf(stored.owner()))
                        .detail("visibility", stored.visibility().name()));
        return stored;
    }

    /**
     * Creates a new model from a version of another: the files are copied, the new card's lineage
     * points at the source version, and the new model belongs to {@code ownerTeam}.
     *
     * @param source the version to fork (an alias or the latest is resolved first)
     * @param newName the new model's name; it must not exist
     * @param ownerTeam one of this principal's teams
     * @throws IllegalStateException if {@code newName} exists
     */
    public ModelCard fork(ModelRef source, String newName, String ownerTeam) {
        ModelRef.checkName(newName, "model name");
        Principal.checkId(ownerTeam, "owner team");
        require(source.name(), Permission.USE);
        requireMember(ownerTeam, "fork into '" + newName + "'");
        if (market.access(newName) != null) {
            throw new IllegalStateException(
                    "cannot fork into '" + newName + "': a model of that name exists");
        }
        ModelCard from = read(source.name(), () -> market.maas.resolve(source));
        Path files = market.repository.verifiedArtifacts(from);
        ModelCard card =
                from.toBuilder()
                        .name(newName)
                        .version(0)
                        .createdAt(null)
                        .artifacts(Map.of())
                        .owner(ownerTeam)
                        .derivedFrom(from.ref())
                        .build();
        ModelPackage.Builder copy = ModelPackage.builder(card);
        for (String rel : from.artifacts().keySet()) {
            copy.file(rel, files.resolve(rel));
        }
        ModelCard stored = market.maas.publish(copy.build());
        market.changed(newName);
        audit(
                event(AuditAction.FORK, newName)
                        .version(stored.version())
                        .before(from.ref().toString())
                        .after(stored.ref().toString())
                        .detail("owner", ownerTeam));
        return stored;
    }

    /**
     * Points an alias at a version (a hot swap, see {@link dev.maas.ModelService#setAlias}).
     *
     * @throws AccessDeniedException without {@link Permission#PUBLISH}
     */
    public void setAlias(String model, String alias, int version) {
        require(model, Permission.PUBLISH);
        Integer before = read(model, () -> market.repository.aliases(model)).get(alias);
        market.maas.setAlias(model, alias, version);
        audit(
                event(AuditAction.ALIAS_SET, model)
                        .version(version)
                        .detail("alias", alias)
                        .before(before == null ? null : before.toString())
                        .after(Integer.toString(version)));
    }

    /** Removes an alias; needs {@link Permission#PUBLISH}. Returns whether it existed. */
    public boolean removeAlias(String model, String alias) {
        require(model, Permission.PUBLISH);
        Integer before = read(model, () -> market.repository.aliases(model)).get(alias);
        boolean removed = market.maas.removeAlias(model, alias);
        if (removed) {
            audit(
                    event(AuditAction.ALIAS_REMOVE, model)
                            .detail("alias", alias)
                            .before(String.valueOf(before)));
        }
        return removed;
    }

    /** Splits an alias's traffic (see {@link dev.maas.ModelService#setTrafficSplit}). */
    public void setTrafficSplit(String model, String alias, Map<Integer, Double> weights) {
        require(model, Permission.PUBLISH);
        String before = String.valueOf(market.maas.trafficPolicy(model, alias).orElse(null));
        market.maas.setTrafficSplit(model, alias, weights);
        audit(
                event(AuditAction.TRAFFIC_SET, model)
                        .detail("alias", alias)
                        .before(before)
                        .after(String.valueOf(new TreeMap<>(weights))));
    }

    /** Ends an alias's traffic split. */
    public void clearTrafficSplit(String model, String alias) {
        require(model, Permission.PUBLISH);
        String before = String.valueOf(market.maas.trafficPolicy(model, alias).orElse(null));
        market.maas.clearTrafficSplit(model, alias);
        audit(event(AuditAction.TRAFFIC_CLEAR, model).detail("alias", alias).before(before));
    }

    /**
     * Deprecates a version: calls still work, each caller is warned once, and listings say so.
     * Needs {@link Permission#PUBLISH}.
     */
    public void deprecate(String model, int version, String message) {
        require(model, Permission.PUBLISH);
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("a deprecation needs a message for its callers");
        }
        read(model, () -> market.maas.resolve(ModelRef.of(model, version)));
        Lifecycle[] change =
                market.store.updateLifecycle(model, l -> l.withDeprecation(version, message));
        market.changed(model);
        audit(
                event(AuditAction.DEPRECATE, model)
                        .version(version)
                        .before(change[0].deprecations().get(version))
                        .after(message));
    }

    /** Lifts a deprecation. Needs {@link Permission#PUBLISH}. */
    public void undeprecate(String model, int version) {
        require(model, Permission.PUBLISH);
        Lifecycle[] change =
                market.store.updateLifecycle(model, l -> l.withDeprecation(version, null));
        market.changed(model);
        audit(
                event(AuditAction.UNDEPRECATE, model)
                        .version(version)
                        .before(change[0].deprecations().get(version)));
    }

    // ---- administration ----

    /**
     * Archives a model: hidden from search, not callable through sessions, restorable. Needs {@link
     * Permission#ADMIN}.
     */
    public void archive(String model) {
        require(model, Permission.ADMIN);
        market.store.updateLifecycle(
                model, l -> l.withArchived(true, principal.id(), market.clock.instant()));
        market.changed(model);
        audit(event(AuditAction.ARCHIVE, model).before("active").after("archived"));
    }

    /** Restores an archived model. Needs {@link Permission#ADMIN}. */
    public void restore(String model) {
        require(model, Permission.ADMIN);
        market.store.updateLifecycle(model, l -> l.withArchived(false, null, null));
        market.changed(model);
        audit(event(AuditAction.RESTORE, model).before("archived").after("active"));
    }

    /**
     * Deletes a version (see {@link dev.maas.ModelService#delete}). Needs {@link Permission#ADMIN}.
     */
    public void delete(String model, int version) {
        require(model, Permission.ADMIN);
        read(
                model,
                () -> {
                    market.maas.delete(model, version);
                    return null;
                });
        market.changed(model);
        audit(event(AuditAction.DELETE, model).version(version).before(model + ":" + version));
    }

    /** Returns the grants on a model. Needs {@link Permission#READ}. */
    public List<Grant> grants(String model) {
        require(model, Permission.READ);
        return market.store.grants(model);
    }

    /**
     * Grants {@code permission} on {@code model} to {@code grantee}, with a quota on its calls
     * ({@link Quota#NONE} for none), replacing the grantee's earlier grant. Needs {@link
     * Permission#ADMIN}.
     *
     * @throws dev.maas.access.UnknownPrincipalException if the grantee does not exist (nothing
     *     changed)
     */
    public Grant grant(String model, Grantee grantee, Permission permission, Quota quota) {
        require(model, Permission.ADMIN);
        market.directory.check(grantee);
        Grant g =
                new Grant(
                        model, grantee, permission, quota, principal.id(), market.clock.instant());
        Grant before = market.store.putGrant(model, grantee, g);
        market.changed(model);
        audit(
                event(AuditAction.GRANT, model)
                        .detail("grantee", grantee.toString())
                        .before(before == null ? null : describe(before))
                        .after(describe(g)));
        return g;
    }

    /** Revokes the grant of {@code grantee}; returns whether there was one. Needs ADMIN. */
    public boolean revoke(String model, Grantee grantee) {
        require(model, Permission.ADMIN);
        Grant before = market.store.putGrant(model, grantee, null);
        market.changed(model);
        if (before != null) {
            audit(
                    event(AuditAction.REVOKE, model)
                            .detail("grantee", grantee.toString())
                            .before(describe(before)));
        }
        return before != null;
    }

    private static String describe(Grant g) {
        return g.permission() + (g.quota().isLimited() ? " (" + g.quota() + ")" : "");
    }

    /**
     * Asks for {@code permission} on a model for this principal or one of its teams, with a reason.
     * The principal must be able to see the model.
     *
     * @throws IllegalArgumentException if the reason is blank, or the grantee is a team the
     *     principal is not in, or another principal
     */
    public AccessRequest requestAccess(
            String model, Grantee forWhom, Permission permission, String reason) {
        require(model, Permission.READ);
        if (!forWhom.covers(principal)) {
            throw new IllegalArgumentException(
                    "principal '"
                            + principal.id()
                            + "' may ask for itself or its teams "
                            + principal.teams()
                            + ", not for "
                            + forWhom);
        }
        AccessRequest r =
                new AccessRequest(
                        UUID.randomUUID().toString(),
                        model,
                        forWhom,
                        principal.id(),
                        permission,
                        reason,
                        AccessRequest.State.PENDING,
                        market.clock.instant(),
                        null,
                        null,
                        null);
        market.store.updateRequests(
                list -> {
                    list.add(r);
                    return list;
                });
        audit(
                event(AuditAction.ACCESS_REQUEST, model)
                        .detail("request", r.id())
                        .detail("grantee", forWhom.toString())
                        .after(permission.name())
                        .detail("reason", reason));
        return r;
    }

    /**
     * Returns the access requests this principal may decide (on models it administers) or made
     * itself, oldest first.
     */
    public List<AccessRequest> accessRequests() {
        return market.store.requests().stream()
                .filter(
                        r ->
                                r.requestedBy().equals(principal.id())
                                        || permission(r.model()) == Permission.ADMIN)
                .toList();
    }

    private Permission permission(String model) {
        return market.decide(principal, model).permission();
    }

    /**
     * Returns what this principal may do on {@code model}.
     *
     * @throws ModelNotFoundException if it does not exist or this principal cannot see it
     */
    public Permission permissionOn(String model) {
        return require(model, Permission.READ).permission();
    }

    /**
     * Approves a pending request, granting what it asked for with {@code quota}. Needs {@link
     * Permission#ADMIN} on its model.
     *
     * @throws IllegalArgumentException if there is no such request
     * @throws IllegalStateException if it was decided already
     */
    public Grant approve(String requestId, Quota quota, String note) {
        AccessRequest pending = pending(requestId);
        // Granted first: a grant that fails (a team removed meanwhile) leaves the request pending.
        Grant g = grant(pending.model(), pending.grantee(), pending.permission(), quota);
        AccessRequest r = decide(requestId, AccessRequest.State.APPROVED, note);
        audit(
                event(AuditAction.ACCESS_APPROVE, r.model())
                        .detail("request", r.id())
                        .detail("grantee", r.grantee().toString())
                        .before("PENDING")
                        .after("APPROVED"));
        return g;
    }

    /** Denies a pending request. Needs {@link Permission#ADMIN} on its model. */
    public void deny(String requestId, String note) {
        AccessRequest r = decide(requestId, AccessRequest.State.DENIED, note);
        audit(
                event(AuditAction.ACCESS_DENY, r.model())
                        .detail("request", r.id())
                        .detail("grantee", r.grantee().toString())
                        .before("PENDING")
                        .after("DENIED"));
    }

    /** Returns a request this principal may decide, checking it is still pending. */
    private AccessRequest pending(String requestId) {
        AccessRequest found =
                market.store.requests().stream()
                        .filter(r -> r.id().equals(requestId))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "no access request '" + requestId + "'"));
        require(found.model(), Permission.ADMIN);
        if (found.state() != AccessRequest.State.PENDING) {
            throw alreadyDecided(found);
        }
        return found;
    }

    private static IllegalStateException alreadyDecided(AccessRequest r) {
        return new IllegalStateException(
                "access request " + r.id() + " was " + r.state() + " already by " + r.decidedBy());
    }

    private AccessRequest decide(String requestId, AccessRequest.State state, String note) {
        pending(requestId);
        AccessRequest[] decided = new AccessRequest[1];
        market.store.updateRequests(
                list -> {
                    for (int i = 0; i < list.size(); i++) {
                        AccessRequest r = list.get(i);
                        if (r.id().equals(requestId)) {
                            if (r.state() != AccessRequest.State.PENDING) {
                                throw alreadyDecided(r); // decided concurrently
                            }
                            decided[0] =
                                    r.decided(state, principal.id(), market.clock.instant(), note);
                            list.set(i, decided[0]);
                        }
                    }
                    return list;
                });
        return decided[0];
    }

    // ---- audit ----

    /** Returns the audit entries of a model, oldest first. Needs {@link Permission#READ}. */
    public List<AuditEntry> audit(String model) {
        require(model, Permission.READ);
        return market.audit.forModel(model);
    }

    /**
     * Returns what {@code principalId} did, oldest first, limited to the models this principal can
     * see (and entries about no model only for its own id).
     */
    public List<AuditEntry> auditOf(String principalId) {
        return market.audit.forPrincipal(principalId).stream()
                .filter(
                        e ->
                                e.event().model() == null
                                        ? principalId.equals(principal.id())
                                        : permission(e.event().model()) != null)
                .toList();
    }
}
