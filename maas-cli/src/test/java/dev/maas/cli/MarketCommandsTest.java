package dev.maas.cli;

import static dev.maas.cli.MainTest.args;
import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.AccessDeniedException;
import dev.maas.ModelService;
import dev.maas.cli.MainTest.Run;
import dev.maas.recommend.data.SampleCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marketplace commands run in-process as two teams would use them: teams and principals,
 * publishing for a team, discovery, access requests, lifecycle, forks and the audit log.
 */
class MarketCommandsTest {
    @TempDir static Path shared;
    @TempDir Path tmp;

    /** A small MovieLens-layout data set, generated once. */
    static Path data;

    Path root;

    @BeforeAll
    static void generateData() {
        data = shared.resolve("data");
        SampleCatalog.builder()
                .users(40)
                .items(60)
                .ratings(1200)
                .minRatingsPerUser(10)
                .seed(3)
                .build()
                .writeMovieLens100k(data);
    }

    @BeforeEach
    void directory() {
        root = tmp.resolve("repo");
        ok("team", "add", "home", "search");
        ok("principal", "add", "alice", "--team", "home");
        ok("principal", "add", "bob", "--team", "search");
    }

    /** Runs a command on {@link #root} and checks that it succeeded. */
    private Run ok(String... command) {
        Run r = run(args(root, command));
        assertThat(r.status()).as("%s: %s", List.of(command), r.err()).isZero();
        return r;
    }

    /** Runs a command on {@link #root} that must fail with one error line and {@code status}. */
    private Run fails(int status, String... command) {
        Run r = run(args(root, command));
        assertThat(r.status()).as("%s: %s", List.of(command), r.err()).isEqualTo(status);
        assertThat(r.errLines()).first().asString().startsWith("maas: error: ");
        assertThat(r.errLines().stream().filter(l -> l.startsWith("maas: error:"))).hasSize(1);
        assertThat(r.errLines())
                .hasSize(status == Main.USAGE ? 2 : 1); // a usage error adds "Try ... --help"
        return r;
    }

    private Run train(String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "1",
                                "--factors",
                                "4",
                                "--name",
                                "films"));
        a.addAll(List.of(more));
        return ok(a.toArray(new String[0]));
    }

    @Test
    void teamsAndPrincipals_areListed() {
        ok("principal", "add", "carol", "--team", "home", "--team", "search");

        assertThat(ok("team", "list").out())
                .contains("home")
                .containsPattern("home\\s+alice, carol")
                .containsPattern("search\\s+bob, carol");
        assertThat(ok("principal", "list").out())
                .containsPattern("alice\\s+home")
                .containsPattern("carol\\s+home, search");
        assertThat(ok("team", "add", "home").out()).contains("Team home exists already");
        assertThat(ok("principal", "add", "carol", "--team", "search").out())
                .contains("Principal carol now in teams: search (was: home, search)");

        Run unknownTeam = fails(Main.FAILED, "principal", "add", "dave", "--team", "music");
        assertThat(unknownTeam.err()).contains("unknown team 'music'");
        Run bare = run("team");
        assertThat(bare.status()).isEqualTo(Main.USAGE);
        assertThat(bare.err()).startsWith("maas: error: Missing required subcommand");
        Run noTeam = fails(Main.USAGE, "team", "add");
        assertThat(noTeam.errLines().get(1)).isEqualTo("Try 'maas team add --help' for usage.");
    }

    @Test
    void twoTeams_shareDiscoverRequestDeprecateArchiveForkAndAudit() throws IOException {
        // Alice trains and publishes a restricted model for her team, and points an alias at it.
        train();
        Run publish =
                ok(
                        "publish",
                        "--name",
                        "films",
                        "--owner",
                        "home",
                        "--visibility",
                        "restricted",
                        "--license",
                        "Apache-2.0",
                        "--intended-use",
                        "movie suggestions on the home page",
                        "--alias",
                        "production",
                        "--as",
                        "alice");
        assertThat(publish.out())
                .contains("Published films:1")
                .contains("owner home, restricted, license Apache-2.0")
                .contains("films@production -> films:1");

        // Bob finds it and reads its card, but may not call it.
        Run search = ok("search", "movie", "--as", "bob");
        assertThat(search.out())
                .containsPattern("films\\s+1\\s+recommendation\\s+home\\s+restricted\\s+0 ")
                .contains("ndcg@10 ")
                .contains("Models 1-1 of 1.");
        Run show = ok("show", "films", "--as", "bob");
        assertThat(show.out())
                .contains("films  owner home, restricted")
                .contains("latest: films:1")
                .contains("license: Apache-2.0")
                .contains("intended use: movie suggestions on the home page")
                .containsPattern("\\n  1  published \\S+  \\(production\\)\\n")
                .contains("state: active")
                .contains("your permission (bob): read")
                .contains("maas request-access films --use")
                .contains("grants: -");
        try (ModelService maas = ModelService.builder().root(root).build()) {
            assertThatThrownBy(() -> maas.as("bob").endpoint("films"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("needs USE");
        }

        // Bob asks; Alice sees the request and approves it with a quota.
        Run request =
                ok(
                        "request-access",
                        "films",
                        "--use",
                        "--reason",
                        "search ranking experiment",
                        "--as",
                        "bob");
        Matcher m = Pattern.compile("Request (\\S+)").matcher(request.out());
        assertThat(m.find()).as(request.out()).isTrue();
        String id = m.group(1);
        assertThat(request.out()).contains("use on films for principal:bob, pending");
        Run requests = ok("requests", "--as", "alice");
        assertThat(requests.out())
                .contains(id + "  pending")
                .contains("bob asks use on films for principal:bob")
                .contains("search ranking experiment");
        assertThat(ok("requests", "--as", "bob").out()).contains(id);
        Run approve =
                ok(
                        "approve",
                        id,
                        "--max-in-flight",
                        "2",
                        "--calls-per-second",
                        "10",
                        "--note",
                        "welcome",
                        "--as",
                        "alice");
        assertThat(approve.out())
                .contains("Approved " + id + ": principal:bob may see and call it on films")
                .contains("2 in flight, 10.0 calls/s");
        assertThat(ok("requests", "--as", "bob").out()).contains("approved by alice");
        assertThat(ok("show", "films", "--as", "bob").out())
                .contains("your permission (bob): use")
                .contains("principal:bob use (2 in flight, 10.0 calls/s), by alice");
        try (ModelService maas = ModelService.builder().root(root).build()) {
            maas.as("bob").endpoint("films"); // allowed now
        }
        Run decided = fails(Main.FAILED, "deny", id, "--as", "alice");
        assertThat(decided.err()).contains("was APPROVED already by alice");

        // A second version through train --publish keeps the owner and visibility.
        Run v2 = train("--publish", "--owner", "home", "--as", "alice");
        assertThat(v2.out()).contains("Published films:2");
        Run deprecate =
                ok(
                        "deprecate",
                        "films:1",
                        "--message",
                        "use version 2: more data",
                        "--as",
                        "alice");
        assertThat(deprecate.out()).contains("Deprecated films:1: use version 2: more data");
        Run shown = ok("show", "films", "--as", "bob");
        assertThat(shown.out())
                .contains("films  owner home, restricted")
                .contains("latest: films:2")
                .contains("license: Apache-2.0")
                .containsPattern(
                        "\\n  1  published \\S+  \\(production\\)  DEPRECATED: use version 2")
                .containsPattern("\\n  2  published \\S+\\n");

        // Archiving hides the model from Bob's search; restoring brings it back.
        ok("archive", "films", "--as", "alice");
        assertThat(ok("search", "--as", "bob").out())
                .doesNotContain("films")
                .contains("No models match.");
        assertThat(ok("search", "--archived", "--as", "bob").out()).contains("films [archived]");
        assertThat(ok("show", "films", "--as", "bob").out()).contains("state: archived by alice");
        Run restoreByBob = fails(Main.FAILED, "restore", "films", "--as", "bob");
        assertThat(restoreByBob.err()).contains("needs ADMIN");
        ok("restore", "films", "--as", "alice");
        assertThat(ok("search", "--as", "bob").out()).contains("films ");

        // Bob forks version 1 into a model of his team; the lineage shows on both.
        Run fork =
                ok("fork", "films:1", "--name", "films-search", "--team", "search", "--as", "bob");
        assertThat(fork.out())
                .contains("Forked films:1 into films-search:1 (owner search, restricted)");
        assertThat(ok("show", "films", "--as", "alice").out())
                .contains("derived models: films-search");
        assertThat(ok("show", "films-search", "--as", "bob").out())
                .contains("derived from: films:1")
                .contains("your permission (bob): admin");

        // The audit log holds every action, oldest first.
        List<String> audit = ok("audit", "films", "--as", "alice").out().lines().toList();
        assertThat(audit)
                .extracting(l -> l.trim().split("\\s+")[3])
                .containsExactly(
                        "publish",
                        "alias-set",
                        "access-request",
                        "grant",
                        "access-approve",
                        "publish",
                        "deprecate",
                        "archive",
                        "restore");
        assertThat(audit.get(0))
                .containsPattern("^\\s+1  \\S+Z  alice\\s+publish\\s+films:1\\s+- -> films:1");
        assertThat(audit.get(0)).contains("owner=home").contains("visibility=RESTRICTED");
        assertThat(audit.get(2)).contains("reason=\"search ranking experiment\"");
        assertThat(audit.get(3))
                .contains("principal:bob")
                .contains("USE (2 in flight, 10.0 calls/s)");
        assertThat(audit.get(7)).contains("active -> archived");
        assertThat(ok("audit", "--principal", "bob", "--as", "alice").out().lines())
                .extracting(l -> l.trim().split("\\s+")[3])
                .containsExactly("access-request", "fork");
        assertThat(ok("audit", "--verify").out()).contains("is intact: 10 entries checked");

        // Editing one line of the log breaks the chain there.
        Path log = root.resolve("audit").resolve("audit.log");
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        lines.set(2, lines.get(2).replace("search ranking experiment", "search ranking exploit"));
        Files.write(log, lines);
        Run broken = fails(Main.FAILED, "audit", "--verify");
        assertThat(broken.err())
                .contains("audit log " + log + " is broken at line 3: ")
                .contains("2 entries before it are intact");
    }

    @Test
    void search_pagesThroughResults_withThePrintedCommand() {
        train();
        for (String name : List.of("films-a", "films-b", "films-c")) {
            ok("publish", "--run", "films", "--name", name, "--owner", "home", "--as", "alice");
        }
        Run first =
                ok("search", "films", "--page-size", "2", "--sort", "best:rmse:asc", "--as", "bob");
        assertThat(first.out()).contains("Models 1-2 of 3.");
        String next =
                first.out()
                        .lines()
                        .filter(l -> l.startsWith("Next page: "))
                        .findFirst()
                        .orElseThrow()
                        .substring("Next page: maas ".length());
        assertThat(next)
                .contains("--sort best:rmse:asc")
                .contains("--page-size 2")
                .contains("--as bob");
        Run second = ok(words(next));
        assertThat(second.out()).contains("Models 3-3 of 3.").doesNotContain("Next page");
        List<String> names = new ArrayList<>();
        for (Run r : List.of(first, second)) {
            r.out()
                    .lines()
                    .filter(l -> l.startsWith("films-"))
                    .forEach(l -> names.add(l.split(" ")[0]));
        }
        assertThat(names).containsExactlyInAnyOrder("films-a", "films-b", "films-c");

        String token = next.substring(next.indexOf("--page ") + "--page ".length()).split(" ")[0];
        Run otherSearch = fails(Main.FAILED, "search", "--page", token, "--as", "bob");
        assertThat(otherSearch.err()).contains("page token belongs to another search");
    }

    @Test
    void privateModel_sharedUnsharedDenied_andDeprecationLifted() {
        train("--publish", "--owner", "home", "--visibility", "private", "--as", "alice");
        assertThat(ok("search", "--as", "bob").out()).contains("No models match.");
        Run hidden =
                fails(
                        Main.FAILED,
                        "request-access",
                        "films",
                        "--use",
                        "--reason",
                        "x",
                        "--as",
                        "bob");
        assertThat(hidden.err()).contains("model 'films' not found; models you can see: none");

        assertThat(ok("share", "films", "--team", "search", "--read", "--as", "alice").out())
                .contains("Shared films: team:search may see it (read, quota: no limit)");
        assertThat(ok("search", "--visibility", "private", "--as", "bob").out())
                .containsPattern("films\\s+1\\s+recommendation\\s+home\\s+private");
        Run request =
                ok(
                        "request-access",
                        "films",
                        "--team",
                        "search",
                        "--use",
                        "--reason",
                        "team-wide A/B test",
                        "--as",
                        "bob");
        assertThat(request.out()).contains("use on films for team:search, pending");
        String id = request.out().lines().findFirst().orElseThrow().substring("Request ".length());
        assertThat(ok("deny", id, "--note", "not before the launch", "--as", "alice").out())
                .contains("Denied " + id);
        assertThat(ok("requests", "--as", "bob").out())
                .contains("denied by alice at ")
                .contains(": not before the launch");
        assertThat(ok("requests", "--pending", "--as", "alice").out())
                .contains("No pending access requests.");

        ok("deprecate", "films:1", "--message", "retrain", "--as", "alice");
        assertThat(ok("deprecate", "films:1", "--undo", "--as", "alice").out())
                .contains("films:1 is no longer deprecated");
        assertThat(ok("show", "films", "--as", "bob").out()).doesNotContain("DEPRECATED");

        assertThat(ok("unshare", "films", "--team", "search", "--as", "alice").out())
                .contains("Revoked the grant of team:search on films");
        assertThat(ok("unshare", "films", "--team", "search", "--as", "alice").out())
                .contains("team:search had no grant on films: nothing changed");
        assertThat(ok("search", "--as", "bob").out()).contains("No models match.");
        assertThat(ok("audit", "films", "--as", "alice").out().lines())
                .extracting(l -> l.trim().split("\\s+")[3])
                .containsExactly(
                        "publish",
                        "grant",
                        "access-request",
                        "access-deny",
                        "deprecate",
                        "undeprecate",
                        "revoke");
    }

    /** Splits a printed command line into its words, undoing single quotes; drops --root. */
    private static String[] words(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("'((?:[^']|'\\\\'')*)'|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1).replace("'\\''", "'") : m.group(2));
        }
        int root = words.indexOf("--root"); // ok(...) passes its own
        words.remove(root + 1);
        words.remove(root);
        return words.toArray(new String[0]);
    }

    @Test
    void badInput_failsWithOneLine_andChangesNothing() throws IOException {
        train("--publish", "--owner", "home", "--visibility", "restricted", "--as", "alice");
        Path log = root.resolve("audit").resolve("audit.log");
        List<String> before = Files.readAllLines(log);

        Run stranger = fails(Main.FAILED, "search", "--as", "mallory");
        assertThat(stranger.errLines())
                .containsExactly(
                        "maas: error: unknown principal 'mallory': add it with 'maas principal add"
                                + " mallory --team <team>'");
        Run osUser = fails(Main.FAILED, "search");
        assertThat(osUser.err()).contains("pass --as <principal>");

        Run unknownTeam =
                fails(Main.FAILED, "share", "films", "--team", "ghosts", "--use", "--as", "alice");
        assertThat(unknownTeam.err()).contains("unknown team 'ghosts'; teams: home, search");
        assertThat(ok("show", "films", "--as", "alice").out()).contains("grants: -");

        Run both =
                fails(
                        Main.USAGE,
                        "share",
                        "films",
                        "--team",
                        "search",
                        "--use",
                        "--admin",
                        "--as",
                        "alice");
        assertThat(both.errLines().get(0))
                .isEqualTo("maas: error: name one permission, not --use and --admin");
        Run none = fails(Main.USAGE, "share", "films", "--team", "search", "--as", "alice");
        assertThat(none.err()).contains("name the permission: one of --read, --use");
        Run teamAndPrincipal =
                fails(Main.USAGE, "unshare", "films", "--team", "search", "--principal", "bob");
        assertThat(teamAndPrincipal.err()).contains("--team or --principal, not both");
        Run byBob =
                fails(Main.FAILED, "share", "films", "--team", "search", "--use", "--as", "bob");
        assertThat(byBob.err()).contains("may not administer model 'films': needs ADMIN, has READ");
        Run quota =
                fails(
                        Main.FAILED,
                        "share",
                        "films",
                        "--team",
                        "search",
                        "--use",
                        "--max-in-flight",
                        "-1",
                        "--as",
                        "alice");
        assertThat(quota.err()).contains("--max-in-flight must be 0 (no limit) or more, was -1");

        Run metric = fails(Main.FAILED, "search", "--metric", "ndcg@10>>0.3", "--as", "bob");
        assertThat(metric.err()).contains("malformed metric threshold 'ndcg@10>>0.3' (bad number)");
        Run sort = fails(Main.FAILED, "search", "--sort", "popular", "--as", "bob");
        assertThat(sort.err()).contains("--sort must be relevance, newest, most-used or best:");
        Run forged = fails(Main.FAILED, "search", "--page", "p1.AAAA.20.forged", "--as", "bob");
        assertThat(forged.err()).contains("invalid page token 'p1.AAAA.20.forged'");
        Run pageSize = fails(Main.FAILED, "search", "--page-size", "0", "--as", "bob");
        assertThat(pageSize.err()).contains("--page-size must be between 1 and 200, was 0");

        Run hidden = fails(Main.FAILED, "show", "ghost", "--as", "bob");
        assertThat(hidden.err()).contains("model 'ghost' not found; models you can see: films");
        Run noReason = fails(Main.USAGE, "request-access", "films", "--use", "--as", "bob");
        assertThat(noReason.err()).contains("Missing required option: '--reason=<text>'");
        Run blankReason =
                fails(
                        Main.FAILED,
                        "request-access",
                        "films",
                        "--use",
                        "--reason",
                        " ",
                        "--as",
                        "bob");
        assertThat(blankReason.err()).contains("--reason is blank");
        Run notHisTeam =
                fails(
                        Main.FAILED,
                        "request-access",
                        "films",
                        "--use",
                        "--team",
                        "home",
                        "--reason",
                        "x",
                        "--as",
                        "bob");
        assertThat(notHisTeam.err()).contains("may ask for itself or its teams [search]");
        Run noRequest = fails(Main.FAILED, "approve", "no-such-id", "--as", "alice");
        assertThat(noRequest.err()).contains("no access request 'no-such-id'");
        Run deprecateLatest =
                fails(Main.FAILED, "deprecate", "films", "--message", "x", "--as", "alice");
        assertThat(deprecateLatest.err())
                .contains("name the version to deprecate, such as films:1");
        Run deprecateNoMessage = fails(Main.USAGE, "deprecate", "films:1", "--as", "alice");
        assertThat(deprecateNoMessage.err()).contains("say why with --message");
        Run auditTwo = fails(Main.USAGE, "audit", "films", "--verify");
        assertThat(auditTwo.err()).contains("name one of <model>, --principal <id>, --verify");

        // Publishing to an owned model without its owner, or for another team, is refused.
        Run hostPublish = fails(Main.FAILED, "publish", "--name", "films");
        assertThat(hostPublish.err()).contains("model 'films' is owned by team 'home'");
        Run otherOwner =
                fails(
                        Main.FAILED,
                        "publish",
                        "--name",
                        "films",
                        "--owner",
                        "search",
                        "--as",
                        "bob");
        assertThat(otherOwner.err()).contains("is owned by team 'home', not 'search'");
        Run visibilityAlone =
                fails(Main.FAILED, "publish", "--name", "films", "--visibility", "private");
        assertThat(visibilityAlone.err()).contains("--visibility needs --owner");
        Run trainOwner =
                fails(
                        Main.FAILED,
                        "train",
                        "--data",
                        data.toString(),
                        "--owner",
                        "home",
                        "--as",
                        "alice");
        assertThat(trainOwner.err()).contains("--owner needs --publish");
        Run newForOtherTeam =
                fails(
                        Main.FAILED,
                        "publish",
                        "--run",
                        "films",
                        "--name",
                        "tv",
                        "--owner",
                        "home",
                        "--as",
                        "bob");
        assertThat(newForOtherTeam.err()).contains("may not publish model 'tv' for team 'home'");

        assertThat(Files.readAllLines(log)).isEqualTo(before);
        assertThat(MainTest.versionFolders(root, "films")).containsExactly("1");
        assertThat(MainTest.versionFolders(root, "tv")).isEmpty();
    }

    @Test
    void help_listsTheMarketplaceCommands() {
        Run r = run("--help");

        assertThat(r.out())
                .contains("search", "show", "share", "unshare", "request-access", "requests")
                .contains("approve", "deny", "deprecate", "archive", "restore", "fork", "audit")
                .contains("team", "principal");
    }

    @Test
    void demoStyleHostPublish_needsNoDirectory() {
        Path fresh = tmp.resolve("fresh");
        Run r =
                run(
                        args(
                                fresh,
                                "train",
                                "--data",
                                data.toString(),
                                "--epochs",
                                "1",
                                "--factors",
                                "4",
                                "--publish",
                                "--license",
                                "MIT"));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("Published movies:1");
        assertThat(run(args(fresh, "models", "movies")).out())
                .contains("owner -, public, license MIT");
        assertThat(fresh.resolve("audit")).doesNotExist();
    }
}
