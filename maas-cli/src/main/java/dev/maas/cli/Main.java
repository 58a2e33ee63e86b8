package dev.maas.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code maas} command line: trains, evaluates, publishes and queries recommenders in a model
 * repository folder, and runs its marketplace (teams, discovery, sharing, lifecycle, audit). Every
 * command prints to standard output; failures print one line starting with {@code maas: error:} on
 * standard error and exit with a non-zero status (1 for a failed command, 2 for a bad command
 * line).
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
            TuneCommand.class,
            CompressCommand.class,
            PublishCommand.class,
            ModelsCommand.class,
            RecommendCommand.class,
            SearchCommand.class,
            ShowCommand.class,
            ShareCommand.class,
            UnshareCommand.class,
            RequestAccessCommand.class,
            RequestsCommand.class,
            ApproveCommand.class,
            DenyCommand.class,
            DeprecateCommand.class,
            ArchiveCommand.class,
            RestoreCommand.class,
            ForkCommand.class,
            AuditCommand.class,
            TeamCommand.class,
            PrincipalCommand.class,
            PostgresCommand.class,
            ServeCommand.class,
            TokenCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    /** Exit status of a command that failed. */
    static final int FAILED = 1;

    /** Exit status of a malformed command line. */
    static final int USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Set to {@code true} by the {@code ./maas} launcher, whose stderr filter is a child process of
     * this JVM that ends once the JVM's stderr closes.
     */
    static final String STDERR_FILTER_PROPERTY = "maas.launcher.stderrFilter";

    /** How long {@link #main} waits for the launcher's stderr filter to finish. */
    private static final Duration FILTER_WAIT = Duration.ofSeconds(2);

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = run(out, err, args);
        out.flush();
        err.flush();
        if (Boolean.getBoolean(STDERR_FILTER_PROPERTY)) {
            awaitStderrFilter();
        }
        System.exit(status);
    }

    /**
     * Closes stderr and waits, for at most {@link #FILTER_WAIT}, until the launcher's stderr filter
     * has passed the last lines on and ended. Without this, the filter could still be writing the
     * error message when the caller already has the exit status (and a shell its prompt).
     */
    private static void awaitStderrFilter() {
        // For descriptors 0 to 2 the JDK does not close but points them at /dev/null, so native
        // code that still writes to stderr is harmless, and the filter sees the end of its input.
        System.err.close();
        long deadline = System.nanoTime() + FILTER_WAIT.toNanos();
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            try {
                child.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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
                            "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
                    err.flush();
                    return USAGE;
                });
        return cli;
    }

    /**
     * Returns the error for a malformed command line of {@code spec}'s command, such as two options
     * that exclude each other: printed as one line, with a pointer to the command's help, and exit
     * status {@link #USAGE}.
     */
    static CommandLine.ParameterException usageError(
            CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
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
