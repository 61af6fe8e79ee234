package dev.tandem.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code tandem} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line; returns the exit code. Output goes to {@code out}, problems to {@code err}. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = TandemCommand.commandLine(java.util.List.of(args), null);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** Libraries log through SLF4J; the CLI sends it to stderr, quiet unless asked. Must run before any logger exists. */
    private static void configureLogging(String[] args) {
        String level = "warn";
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                level = "info";
            } else if (a.equals("-vv")) {
                level = "debug";
            }
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        // kwik reports its own internal oddities at WARN; a user cannot act on them unless debugging.
        System.setProperty("org.slf4j.simpleLogger.log.tech.kwik", level.equals("debug") ? "debug" : "error");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }
}
