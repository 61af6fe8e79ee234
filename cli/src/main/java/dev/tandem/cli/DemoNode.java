package dev.tandem.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of {@code tandem demo}: a child process running {@code tandem up --json} for its own data
 * directory, on loopback, with LAN discovery off. The demo reads the node's events from its stdout, keeps the
 * tail of its stderr for error reports, and runs commands in it through its control channel.
 */
final class DemoNode {
    private static final Logger log = LoggerFactory.getLogger(DemoNode.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TAIL_LINES = 15;
    /** Queued when the node's stdout ends: the process is gone. */
    private static final JsonNode EXITED = MissingNode.getInstance();

    final String name;
    final Path dataDir;
    private final Process process;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final Deque<String> errTail = new ArrayDeque<>();

    private DemoNode(String name, Path dataDir, Process process) {
        this.name = name;
        this.dataDir = dataDir;
        this.process = process;
        pump(process.getInputStream(), "out", line -> events.add(parse(line)), () -> events.add(EXITED));
        pump(process.getErrorStream(), "err", this::keepErr, () -> { });
    }

    /** Starts {@code tandem up} for {@code dataDir} in a child JVM like this one; {@code transport} may be null. */
    static DemoNode start(String name, Path dataDir, String transport) throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of("up", "--json", "--data-dir", dataDir.toString(), "--name", name,
                "--bind", "127.0.0.1", "--port", "0", "--no-lan"));
        if (transport != null) {
            cmd.addAll(List.of("--transport", transport));
        }
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close(); // the node reads nothing from stdin
        return new DemoNode(name, dataDir, p);
    }

    /**
     * The same program again: this process's java binary, its -X JVM options (heap, JIT; not debugger or agent
     * options, which would clash), its class path and the CLI's main class.
     */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X") && !a.startsWith("-Xdebug") && !a.startsWith("-Xrunjdwp"))
                .forEach(cmd::add);
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isEmpty()).map(s -> Path.of(s).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        cmd.addAll(List.of("-cp", cp, Main.class.getName()));
        return cmd;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits for the next event (a JSON line on the node's stdout) that {@code wanted} accepts, skipping others.
     *
     * @param what what the event means, for the error message
     */
    JsonNode await(String what, Predicate<JsonNode> wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw failure(what + " did not happen within " + timeout.toSeconds() + " s");
            }
            if (e == EXITED) {
                events.add(EXITED); // later waits see it too
                process.waitFor(5, TimeUnit.SECONDS);
                throw failure("the node stopped before " + what
                        + (process.isAlive() ? "" : " (exit code " + process.exitValue() + ")"));
            }
            if (wanted.test(e)) {
                return e;
            }
        }
    }

    /** Waits for an event of the given type ("up", "MessageReceived", ...). */
    JsonNode await(String event, String what, Duration timeout) throws Exception {
        return await(what, e -> event.equals(e.path("event").asText()), timeout);
    }

    /**
     * Runs {@code tandem args...} inside this node through its control channel, as a command run for its data
     * directory would. Each JSON line it prints goes to {@code onLine} as it comes.
     *
     * @return completes with the last JSON line printed, or fails with what the command printed on stderr
     */
    CompletableFuture<JsonNode> command(Consumer<JsonNode> onLine, String... args) {
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        List<String> full = new ArrayList<>(List.of(args[0], "--json", "--data-dir", dataDir.toString()));
        full.addAll(List.of(args).subList(1, args.length));
        Thread t = new Thread(() -> {
            JsonNode[] last = {MissingNode.getInstance()};
            StringWriter err = new StringWriter();
            try {
                Optional<Integer> exit = Control.forward(dataDir, full, new PrintWriter(new LineSink(line -> {
                    last[0] = parse(line);
                    onLine.accept(last[0]);
                }), true), new PrintWriter(err, true));
                if (exit.isEmpty()) {
                    result.completeExceptionally(failure("its control channel does not answer"));
                } else if (exit.get() != ExitCodes.OK) {
                    result.completeExceptionally(failure("`tandem " + args[0] + "` failed (exit code " + exit.get()
                            + "): " + err.toString().strip()));
                } else {
                    result.complete(last[0]);
                }
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(failure("`tandem " + args[0] + "` could not run: " + e.getMessage()));
            }
        }, "tandem-demo-" + name + "-" + args[0]);
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** Asks the node to stop ({@code tandem down}), and makes sure it does. */
    void stop() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        try {
            command(e -> { }, "down").get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("{} did not take `tandem down`, terminating it: {}", name, e.toString());
        }
        kill();
    }

    /** Ends the process: politely first (its shutdown hook closes the node), then forcibly. */
    void kill() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Terminates at once, for Ctrl-C and failures. */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A failure of this node, with the last lines it logged. */
    Failures.UserFacingException failure(String what) {
        String tail;
        synchronized (errTail) {
            tail = errTail.isEmpty() ? " (it logged nothing on stderr)"
                    : "; its last log lines:\n    " + String.join("\n    ", errTail);
        }
        return new Failures.UserFacingException("demo node " + name + " (pid " + process.pid() + "): " + what + tail,
                null);
    }

    private void keepErr(String line) {
        synchronized (errTail) {
            errTail.addLast(line);
            while (errTail.size() > TAIL_LINES) {
                errTail.removeFirst();
            }
        }
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n == null ? TextNode.valueOf(line) : n;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(line); // not JSON: kept as text, matched by nobody
        }
    }

    /** Reads {@code in} line by line on a daemon thread until it ends, so the child never blocks on a full pipe. */
    private void pump(InputStream in, String stream, Consumer<String> lines, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    lines.accept(line);
                }
            } catch (IOException e) {
                log.debug("{}'s std{} ended: {}", name, stream, e.toString());
            } finally {
                atEnd.run();
            }
        }, "tandem-demo-" + name + "-" + stream);
        t.setDaemon(true);
        t.start();
    }
}
