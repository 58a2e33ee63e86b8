package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.Principal;
import dev.maas.server.TokenStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code maas token create|revoke|list}: the bearer tokens that callers of {@code maas serve} use.
 */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        header = "Create, revoke and list the bearer tokens of the network service.",
        description = {
            "A token lets a network caller act as a principal of the marketplace. Only its SHA-256"
                    + " is kept, in the repository (the folder, or the catalog), so it is shown"
                    + " once, when created. A running server sees a new or revoked token within a"
                    + " second."
        },
        subcommands = {
            TokenCommand.Create.class,
            TokenCommand.Revoke.class,
            TokenCommand.ListTokens.class
        })
final class TokenCommand {
    private TokenCommand() {}

    /** {@code maas token create}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            header = "Create a token and print it (once).")
    static final class Create implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Option(
                names = "--principal",
                required = true,
                paramLabel = "<id>",
                description = "The principal the token acts as.")
        String principal;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Principal.checkId(principal, "principal id");
            try (ModelService maas = repo.open()) {
                boolean known = TeamCommand.directory(maas).hasPrincipal(principal);
                TokenStore.CreatedToken t = TokenStore.in(maas.repository()).create(principal);
                out.println(t.token());
                out.println(
                        "Token "
                                + t.info().id()
                                + " acts as "
                                + principal
                                + (known ? "" : " (not in the directory yet: no teams)")
                                + ". It is shown only now; revoke it with: maas token revoke "
                                + t.info().id());
            }
            return 0;
        }
    }

    /** {@code maas token revoke}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, header = "Revoke tokens by id.")
    static final class Revoke implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Parameters(
                arity = "1..*",
                paramLabel = "<id>",
                description = "Ids from 'maas token list'.")
        List<String> ids;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelService maas = repo.open()) {
                TokenStore tokens = TokenStore.in(maas.repository());
                for (String id : ids) {
                    if (!tokens.revoke(id)) {
                        throw new CliException(
                                "no token with id '"
                                        + id
                                        + "' in "
                                        + repo.location()
                                        + " (see maas token list)");
                    }
                    out.println("Revoked token " + id);
                }
            }
            return 0;
        }
    }

    /** {@code maas token list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            header = "List tokens (never the secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelService maas = repo.open()) {
                List<TokenStore.TokenInfo> all = TokenStore.in(maas.repository()).list();
                if (all.isEmpty()) {
                    out.println(
                            "No tokens in "
                                    + repo.location()
                                    + " yet: maas token create --principal <id>");
                    return 0;
                }
                out.println(String.format("%-14s %-24s %s", "ID", "PRINCIPAL", "CREATED"));
                for (TokenStore.TokenInfo t : all) {
                    out.println(
                            String.format("%-14s %-24s %s", t.id(), t.principal(), t.createdAt()));
                }
            }
            return 0;
        }
    }
}
