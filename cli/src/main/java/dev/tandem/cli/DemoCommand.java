package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.NodeId;
import dev.tandem.filetransfer.TransferProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tandem demo}: two nodes as child processes, each with its own temporary data directory, pair with a
 * code, exchange a message and its reply, and send a generated file that the receiver verifies; then a summary,
 * and everything is cleaned up (also on failure and Ctrl-C).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"See Tandem work on this machine: two nodes in separate processes pair with a code, exchange a"
                + " message and its reply, and send a generated file whose SHA-256 the receiver verifies.",
            "Everything runs on loopback in temporary directories that are deleted afterwards."})
final class DemoCommand implements Callable<Integer> {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String HELLO = "hello from demo-a";
    private static final String REPLY = "hello back from demo-b";

    @ParentCommand
    TandemCommand root;

    @Option(names = "--size", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Size of the generated file (default 256MiB; units KiB, MiB, GiB, KB, MB, GB).")
    long size = 256L << 20;

    @Option(names = "--transport", paramLabel = "NAME",
            description = "Transport for both nodes (default: what a node picks by default).")
    String transport;

    @Option(names = {"-q", "--quiet"}, description = "Print only the summary: no steps, no progress bar.")
    boolean quiet;

    private Output out;

    @Override
    public Integer call() throws Exception {
        out = root.output();
        DemoCleanup cleanup = new DemoCleanup(Files.createTempDirectory("tandem-demo"));
        Thread hook = new Thread(cleanup::onSignal, "tandem-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        DemoResult r;
        try {
            r = run(cleanup);
            cleanup.stop();
        } catch (Exception e) {
            cleanup.afterFailure();
            Exception reported = cleanup.signalled() ? new Failures.UserFacingException(
                    "interrupted; the demo's nodes were stopped and its temporary files deleted", e) : e;
            if (out.json()) {
                out.result("", Map.of("ok", false, "error", TandemCommand.advice(reported)));
            }
            throw reported;
        } finally {
            removeHook(hook);
        }
        out.result(r.human() + "\nBoth nodes stopped; temporary files deleted.", r.fields());
        return ExitCodes.OK;
    }

    private DemoResult run(DemoCleanup cleanup) throws Exception {
        Path dir = cleanup.dir;
        step("Starting two nodes, each a separate process with its own data directory under " + dir + " ...");
        DemoNode a = cleanup.add(DemoNode.start("demo-a", dir.resolve("a"), transport));
        DemoNode b = cleanup.add(DemoNode.start("demo-b", dir.resolve("b"), transport));
        JsonNode upA = a.await("up", "starting", START);
        JsonNode upB = b.await("up", "starting", START);
        for (JsonNode up : List.of(upA, upB)) {
            step(String.format("  %s  node %s  on %s via %s", up == upA ? a.name : b.name,
                    up.path("nodeId").asText().substring(0, 16), up.path("addresses"), up.path("transport").asText()));
        }

        step("Pairing: demo-a shows a code, demo-b joins with it ...");
        CompletableFuture<JsonNode> code = new CompletableFuture<>();
        CompletableFuture<JsonNode> shown = a.command(line -> {
            if ("code".equals(line.path("event").asText())) {
                code.complete(line);
            }
        }, "pair", "--expiry", "2");
        shown.whenComplete((x, e) -> code.completeExceptionally(
                e != null ? e : a.failure("`tandem pair` ended without showing a code")));
        JsonNode c = await(code, STEP, a, "showing a pairing code");
        List<String> words = new ArrayList<>();
        c.path("words").forEach(w -> words.add(w.asText()));
        step("  code: " + String.join(" ", words));
        long t0 = System.nanoTime();
        await(b.command(line -> { }, "join", c.path("uri").asText()), STEP, b, "joining");
        await(shown, STEP, a, "pairing");
        double pairMs = (System.nanoTime() - t0) / 1e6;
        step(String.format("  paired in %.0f ms; each node now knows the other by its key", pairMs));

        step("Message: demo-a says hello, demo-b replies ...");
        JsonNode sent = await(a.command(line -> { }, "msg", "demo-b", HELLO), STEP, a, "sending a message");
        b.await("the message from demo-a arriving", e -> isMessage(e, HELLO), STEP);
        JsonNode replied = await(b.command(line -> { }, "msg", "demo-a", REPLY), STEP, b, "replying");
        a.await("the reply from demo-b arriving", e -> isMessage(e, REPLY), STEP);
        double rttMs = sent.path("roundTripMs").asDouble();
        double replyRttMs = replied.path("roundTripMs").asDouble();
        step(String.format("  demo-b got \"%s\", demo-a got \"%s\"", HELLO, REPLY));

        Path file = Files.createDirectories(dir.resolve("outbox")).resolve("demo-file.bin");
        step("Sending a generated file of " + ProgressLine.bytes(size) + " from demo-a to demo-b ...");
        String sha = DemoFile.generate(file, size);
        AtomicReference<String> path = new AtomicReference<>("unknown");
        JsonNode result = await(a.command(progress(NodeId.parse(upB.path("nodeId").asText()), path),
                "send", "demo-b", file.toString()), transferTimeout(), a, "sending the file");

        String reported = result.path("files").path(0).path("sha256").asText();
        JsonNode finished = b.await("TransferFinished", "the transfer ending", STEP);
        if (!finished.path("text").asText().contains(" complete")) {
            throw b.failure("the receiver reports: " + finished.path("text").asText());
        }
        String onDisk = DemoFile.sha256(received(b, file.getFileName()));
        if (!sha.equals(reported) || !sha.equals(onDisk)) {
            throw new Failures.UserFacingException("SHA-256 mismatch: sent " + sha + ", receiver verified " + reported
                    + ", its copy on disk " + onDisk + ". This is a bug; please report it with this output.", null);
        }
        long bytes = result.path("totalBytes").asLong();
        double seconds = result.path("seconds").asDouble();
        return new DemoResult(upA.path("transport").asText(), upA.path("nodeId").asText(),
                upB.path("nodeId").asText(), words, pairMs, rttMs, replyRttMs, bytes, seconds, path.get(), sha);
    }

    private static boolean isMessage(JsonNode e, String text) {
        return "MessageReceived".equals(e.path("event").asText()) && e.path("text").asText().endsWith(text);
    }

    /**
     * Draws the demo's progress bar from the progress the sending node prints, and notes the path packets took
     * while connected (the final progress, after the connection closed, has none).
     */
    private java.util.function.Consumer<JsonNode> progress(NodeId peer, AtomicReference<String> path) {
        ProgressLine bar = new ProgressLine(out.writer(), System.console() != null, false, quiet || out.json());
        AtomicReference<TransferProgress> last = new AtomicReference<>();
        return line -> {
            String event = line.path("event").asText();
            if (event.equals("progress")) {
                last.set(ProgressLine.fromFields(line, peer));
                last.get().path().ifPresent(k -> path.set(k.name().toLowerCase(java.util.Locale.ROOT)));
                bar.update(last.get(), false);
            } else if (event.equals("sent") && last.get() != null) {
                bar.update(last.get(), true);
            }
        };
    }

    /** Generous: a minute, plus a second per MB (twenty times slower than this transport on a slow machine). */
    private Duration transferTimeout() {
        return Duration.ofSeconds(60 + size / 1_000_000);
    }

    private static Path received(DemoNode b, Path name) throws IOException, Failures.UserFacingException {
        Path inbox = b.dataDir.resolve("inbox");
        try (Stream<Path> s = Files.walk(inbox)) {
            return s.filter(p -> p.getFileName().equals(name) && Files.isRegularFile(p)).findFirst()
                    .orElseThrow(() -> b.failure("the file is not in its inbox " + inbox));
        }
    }

    private static JsonNode await(CompletableFuture<JsonNode> f, Duration timeout, DemoNode node, String what)
            throws Exception {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            throw node.failure(what + " took longer than " + timeout.toSeconds() + " s");
        }
    }

    private void step(String line) {
        if (!quiet && !out.json()) {
            out.writer().println(line);
            out.writer().flush();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // Ctrl-C: the JVM is exiting and the hook cleans up
            org.slf4j.LoggerFactory.getLogger(DemoCommand.class).debug("exiting on a signal");
        }
    }

    /** What the demo measured. */
    record DemoResult(String transport, String nodeA, String nodeB, List<String> words, double pairMs, double rttMs,
            double replyRttMs, long bytes, double seconds, String path, String sha256) {
        double megabytesPerSecond() {
            return bytes / 1e6 / Math.max(seconds, 1e-3);
        }

        String human() {
            return String.format("%nDemo passed: two processes paired and exchanged messages and a file over %s.%n"
                    + "  transport   %s on loopback, path %s%n"
                    + "  pairing     %.0f ms (code: %s)%n"
                    + "  message     round trip %.1f ms (the first, cold), %.1f ms for the reply%n"
                    + "  transfer    %s in %.1f s: %.1f MB/s%n"
                    + "  SHA-256     %s%n"
                    + "              verified by the receiver, and its copy re-read from disk matches",
                    transport, transport, path, pairMs, String.join(" ", words), rttMs, replyRttMs,
                    ProgressLine.bytes(bytes), seconds, megabytesPerSecond(), sha256);
        }

        Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", true);
            m.put("transport", transport);
            m.put("nodes", List.of(nodeA, nodeB));
            m.put("code", words);
            m.put("pairMs", pairMs);
            m.put("messageRoundTripMs", rttMs);
            m.put("replyRoundTripMs", replyRttMs);
            m.put("bytes", bytes);
            m.put("transferSeconds", seconds);
            m.put("megabytesPerSecond", megabytesPerSecond());
            m.put("path", path);
            m.put("sha256", sha256);
            m.put("verified", true);
            return m;
        }
    }
}
