package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.Principal;
import dev.maas.audit.AuditEntry;
import dev.maas.audit.AuditLog;
import dev.maas.audit.AuditVerification;
import dev.maas.audit.FileAuditLog;
import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas audit}: what was done to a model, or by a principal; or checks the log. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        header = "Show the audit log of a model or a principal, or verify the log.",
        sortOptions = false,
        description = {
            "Lists, oldest first, what was done to a model (needs read on it) or what a principal"
                    + " did (on the models you can see): time, principal, action, version, the"
                    + " value before -> after, and details.",
            "--verify checks the whole log's hash chain and exits with status 1, naming the"
                    + " first broken line, if an entry was edited, removed or moved."
        })
final class AuditCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(arity = "0..1", paramLabel = "<model>", description = "The model.")
    String model;

    @Option(names = "--principal", paramLabel = "<id>", description = "What this principal did.")
    String principal;

    @Option(names = "--verify", description = "Check that no entry was edited, removed or moved.")
    boolean verify;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int asked = (model != null ? 1 : 0) + (principal != null ? 1 : 0) + (verify ? 1 : 0);
        if (asked != 1) {
            throw Main.usageError(
                    spec,
                    asked == 0
                            ? "name a <model>, or --principal <id>, or --verify"
                            : "name one of <model>, --principal <id>, --verify");
        }
        if (model != null) {
            ModelRef.checkName(model, "model name");
        }
        if (principal != null) {
            Principal.checkId(principal, "principal id");
        }
        if (!verify) {
            acting.validate();
        }
        try (ModelService maas = repo.open()) {
            if (verify) {
                return verify(out, maas.marketplace().auditLog());
            }
            ModelSession session = acting.session(maas);
            List<AuditEntry> entries =
                    model != null ? session.audit(model) : session.auditOf(principal);
            if (entries.isEmpty()) {
                out.println(
                        "No audit entries"
                                + (model != null ? " for " + model : " by " + principal)
                                + ".");
            }
            entries.forEach(e -> out.println(MarketFormat.audit(e)));
        }
        return 0;
    }

    private static int verify(PrintWriter out, AuditLog log) {
        String where =
                log instanceof FileAuditLog f
                        ? f.folder().resolve(FileAuditLog.LOG_FILE).toString()
                        : log.toString();
        AuditVerification v = log.verify();
        if (!v.intact()) {
            throw new CliException(
                    "audit log "
                            + where
                            + " is broken"
                            + (v.line().isPresent() ? " at line " + v.line().getAsLong() : "")
                            + ": "
                            + v.problem()
                            + " ("
                            + v.entriesChecked()
                            + " entries before it are intact)");
        }
        out.println(
                "Audit log " + where + " is intact: " + v.entriesChecked() + " entries checked");
        return 0;
    }
}
