package dev.maas.cli;

import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code maas restore}: brings an archived model back. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        header = "Restore an archived model.",
        description = {"Needs admin on the model."})
final class RestoreCommand extends ModelActionCommand {
    @Override
    void act(ModelSession session, PrintWriter out) {
        session.restore(model);
        out.println("Restored " + model);
    }
}
