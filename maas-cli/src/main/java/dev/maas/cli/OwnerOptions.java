package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.Permission;
import dev.maas.access.Principal;
import dev.maas.market.ModelSession;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.repository.ListedVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The marketplace options of {@code publish} and {@code train --publish}: the owner team, who may
 * see the model, its licence and intended use.
 *
 * <p>With {@code --owner}, the version is published by the {@code --as} principal through the
 * marketplace: the card is validated, the principal's rights checked and the publish audited.
 * Without it, the host publishes as before: an unowned card, which every principal may see and use,
 * and which needs no directory.
 */
final class OwnerOptions {
    @Option(
            names = "--owner",
            paramLabel = "<team>",
            description =
                    "Publish as the --as principal, for this owner team (one of its teams; for an"
                            + " existing model, its owner).")
    String owner;

    @Option(
            names = "--visibility",
            paramLabel = "<visibility>",
            description =
                    "With --owner: public (everyone may use it), restricted (everyone may see it,"
                            + " using needs a grant) or private (hidden without a grant). Default:"
                            + " the previous version's, else public.")
    Visibility visibility;

    @Option(
            names = "--license",
            paramLabel = "<license>",
            description = "The licence, such as Apache-2.0 (default: the previous version's).")
    String license;

    @Option(
            names = "--intended-use",
            paramLabel = "<text>",
            description = "What the model is for (default: the previous version's).")
    String intendedUse;

    /** Returns the first of these options (and {@code --as}) that was given, or null if none. */
    String firstGiven(ActingOptions acting) {
        return owner != null
                ? "--owner"
                : visibility != null
                        ? "--visibility"
                        : license != null
                                ? "--license"
                                : intendedUse != null
                                        ? "--intended-use"
                                        : acting.as != null ? "--as" : null;
    }

    /**
     * Checks the options, before any work.
     *
     * @throws CliException if a value is blank or an option needs {@code --owner}
     */
    void validate(ActingOptions acting) {
        if (owner == null) {
            if (visibility != null) {
                throw new CliException(
                        "--visibility needs --owner: a model without an owner team is visible to"
                                + " every principal");
            }
            if (acting.as != null) {
                throw new CliException(
                        "--as needs --owner: without an owner team the model is published by the"
                                + " host, unowned");
            }
        } else {
            Principal.checkId(owner, "owner team");
            acting.validate();
        }
        checkText("--license", license);
        checkText("--intended-use", intendedUse);
    }

    private static void checkText(String option, String value) {
        if (value != null && value.isBlank()) {
            throw new CliException(
                    option + " is " + (value.isEmpty() ? "empty" : "blank") + ": expected a text");
        }
    }

    /**
     * Checks against the repository that publishing {@code name} can go through, so that a training
     * does not run only to be refused: an owned model takes its versions from its owner team, by a
     * principal that may publish to it.
     *
     * @throws CliException if the publish would be refused
     */
    void check(ModelService maas, ActingOptions acting, String name) {
        ModelCard latest = latest(maas, name);
        if (owner == null) {
            if (latest != null && latest.owner() != null) {
                throw new CliException(
                        "model '"
                                + name
                                + "' is owned by team '"
                                + latest.owner()
                                + "': publish its versions with --owner "
                                + latest.owner()
                                + " --as <principal>, so that they keep its owner and visibility");
            }
            return;
        }
        ModelSession session = acting.session(maas);
        Principal p = session.principal();
        if (latest == null) {
            if (!p.isIn(owner)) {
                throw new CliException(
                        "principal '"
                                + p.id()
                                + "' may not publish model '"
                                + name
                                + "' for team '"
                                + owner
                                + "': it is not a member (teams: "
                                + (p.teams().isEmpty() ? "none" : String.join(", ", p.teams()))
                                + ")");
            }
            return;
        }
        if (latest.owner() == null) {
            throw new CliException(
                    "model '"
                            + name
                            + "' has no owner team (its versions were published without --owner):"
                            + " publish it without --owner");
        }
        if (!latest.owner().equals(owner)) {
            throw new CliException(
                    "model '"
                            + name
                            + "' is owned by team '"
                            + latest.owner()
                            + "', not '"
                            + owner
                            + "': --owner must name its owner");
        }
        Permission has;
        try {
            has = session.show(name).permission();
        } catch (ModelNotFoundException e) {
            throw new CliException(
                    "principal '"
                            + p.id()
                            + "' may not publish model '"
                            + name
                            + "': the name is taken by a model it cannot see",
                    e);
        }
        if (!has.includes(Permission.PUBLISH)) {
            throw new CliException(
                    "principal '"
                            + p.id()
                            + "' may not publish to model '"
                            + name
                            + "': needs publish, has "
                            + MarketFormat.permission(has));
        }
    }

    /**
     * Publishes the recommender saved in {@code folder} as the next version of {@code name}: by the
     * {@code --as} principal with {@code --owner}, else by the host.
     */
    ModelCard publish(ModelService maas, ActingOptions acting, String name, Path folder) {
        check(maas, acting, name);
        ModelCard latest = latest(maas, name);
        ModelCard.Builder card = RecommenderPackage.cardOf(name, folder).toBuilder();
        card.license(license != null ? license : latest == null ? null : latest.license());
        card.intendedUse(
                intendedUse != null ? intendedUse : latest == null ? null : latest.intendedUse());
        if (owner == null) {
            return maas.publish(ModelPackage.of(card.build(), folder));
        }
        card.owner(owner)
                .visibility(
                        visibility != null
                                ? visibility
                                : latest == null ? Visibility.PUBLIC : latest.visibility());
        return acting.session(maas).publish(ModelPackage.of(card.build(), folder));
    }

    /**
     * Points {@code alias} at the version just published (by the same principal as the publish),
     * which loads it first. If that fails, the message says the version was published all the same.
     */
    void moveAlias(
            RepoOptions repo, ActingOptions acting, ModelCard card, String alias, PrintWriter out) {
        String name = card.name();
        try (ModelService maas = repo.open()) {
            if (owner == null) {
                maas.setAlias(name, alias, card.version());
            } else {
                acting.session(maas).setAlias(name, alias, card.version());
            }
        } catch (RuntimeException e) {
            throw new CliException(
                    "published "
                            + card.ref()
                            + " but could not point "
                            + name
                            + "@"
                            + alias
                            + " at it: "
                            + Errors.describe(e),
                    e);
        }
        out.println(name + "@" + alias + " -> " + card.ref());
    }

    /** Returns the card of the latest readable version of {@code name}, or null if none. */
    private static ModelCard latest(ModelService maas, String name) {
        List<ListedVersion> versions;
        try {
            versions = maas.repository().listing(name);
        } catch (ModelNotFoundException e) {
            return null;
        }
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).isReadable()) {
                return versions.get(i).card();
            }
        }
        return null;
    }
}
