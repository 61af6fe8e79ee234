package dev.tandem.cli;

import dev.tandem.core.IdentityException;
import dev.tandem.core.TandemNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code tandem}: the root command and the options every subcommand shares. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = TandemCommand.Version.class,
        description = "Pair your devices once with a few words, then message and send files between them securely.",
        subcommands = {IdCommand.class, UpCommand.class, DownCommand.class, PairCommand.class, JoinCommand.class,
                DevicesCommand.class, RevokeCommand.class, MsgCommand.class, SendCommand.class,
                DemoCommand.class, BenchCommand.class, CompletionCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failed, 2 bad command line, 3 unusable data directory.",
                "Data directory: --data-dir, else $TANDEM_HOME, else ~/.tandem."})
public final class TandemCommand implements Runnable {
    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where this node keeps its key and devices (default: $TANDEM_HOME or ~/.tandem).")
    Path dataDir;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print results as JSON, one object per line.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log what the node does to stderr (-vv for debug).")
    boolean[] verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command line as given, for handing a command to a running daemon. */
    java.util.List<String> args = java.util.List.of();
    /** Set when this command runs inside `tandem up`: the daemon's node, and how to stop the daemon. */
    TandemNode daemonNode;
    Runnable daemonStop;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    Path dataDir() {
        return dataDir != null ? dataDir : TandemNode.defaultDataDir();
    }

    Output output() {
        return new Output(spec.commandLine().getOut(), json);
    }

    static CommandLine commandLine() {
        return commandLine(java.util.List.of(), null);
    }

    static CommandLine commandLine(java.util.List<String> args, TandemNode daemonNode) {
        return commandLine(args, daemonNode, null);
    }

    static CommandLine commandLine(java.util.List<String> args, TandemNode daemonNode, Runnable daemonStop) {
        TandemCommand root = new TandemCommand();
        root.args = java.util.List.copyOf(args);
        root.daemonNode = daemonNode;
        root.daemonStop = daemonStop;
        CommandLine cl = new CommandLine(root);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tandem: " + advice(e));
            cmd.getErr().flush();
            if (e instanceof Failures.BadInputException) {
                return ExitCodes.USAGE;
            }
            return e instanceof IdentityException || e.getCause() instanceof IdentityException
                    ? ExitCodes.DATA : ExitCodes.FAILED;
        });
        return cl;
    }

    /** What went wrong, in words a user can act on. */
    static String advice(Exception e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof IdentityException) {
            return m + "\n  Restore the key file from a backup, or move it away to create a new identity"
                    + " (devices paired with this one would then have to pair again).";
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "no permission to use " + m + "; pick another --data-dir or fix its owner";
        }
        return m;
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = TandemCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown");
    }

    /** Supplies {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tandem " + version() + " (Java " + Runtime.version() + ")"};
        }
    }
}
