package dev.maas.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code maas} command line: trains, evaluates, publishes and queries recommenders in a model
 * repository folder. Every command prints to standard output; failures print one line starting with
 * {@code maas: error:} on standard error and exit with a non-zero status (1 for a failed command, 2
 * for a bad command line).
 */
@Command(
        name = "maas",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Embeddable Model-as-a-Service for the JVM: recommenders end to end.",
        subcommands = {
            DemoCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            PublishCommand.class,
            ModelsCommand.class,
            RecommendCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    /** Exit status of a command that failed. */
    static final int FAILED = 1;

    /** Exit status of a malformed command line. */
    static final int USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /**
     * Runs the command line with the given streams and returns its exit status; used by {@link
     * #main} and by tests.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine(out, err);
        return cli.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    err.println("maas: error: " + Errors.describe(e));
                    if (Errors.verbose()) {
                        e.printStackTrace(err);
                    }
                    err.flush();
                    return FAILED;
                });
        cli.setParameterExceptionHandler(
                (e, args) -> {
                    CommandLine cmd = e.getCommandLine();
                    err.println("maas: error: " + e.getMessage());
                    err.println(
                            "Try 'maas "
                                    + (cmd.getParent() == null ? "" : cmd.getCommandName() + " ")
                                    + "--help' for usage.");
                    err.flush();
                    return USAGE;
                });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version from the jar's manifest, if there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"maas " + (v == null ? "(development build)" : v)};
        }
    }
}
