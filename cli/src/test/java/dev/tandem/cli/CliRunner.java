package dev.tandem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code tandem} in this JVM or as a child process, capturing what it prints. */
final class CliRunner {
    record Result(int exit, String out, String err) { }

    private CliRunner() {
    }

    static Result inProcess(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A real child JVM on this test's class path, as a user's shell would run it. */
    static Result child(String... args) throws IOException, InterruptedException {
        try (TandemProcess p = TandemProcess.start(args)) {
            return p.awaitExit(java.time.Duration.ofSeconds(60));
        }
    }
}
