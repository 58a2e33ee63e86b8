package dev.maas.cli;

import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code maas archive}: hides a model from search and stops its calls, restorably. */
@Command(
        name = "archive",
        mixinStandardHelpOptions = true,
        header = "Archive a model: hidden from search, not callable, restorable.",
        description = {"Keeps every version; 'maas restore' brings it back. Needs admin."})
final class ArchiveCommand extends ModelActionCommand {
    @Override
    void act(ModelSession session, PrintWriter out) {
        session.archive(model);
        out.println("Archived " + model + ": restore it with 'maas restore " + model + "'");
    }
}
