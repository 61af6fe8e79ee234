package dev.tandem.cli;

import dev.tandem.messaging.Messaging;
import dev.tandem.messaging.MessagingBench;
import dev.tandem.pairing.PairingBench;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code tandem bench ...}: measurements on this machine, two nodes in one process on loopback. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure Tandem on this machine: two nodes in one process, talking over loopback.",
        subcommands = {TransportBenchCommand.class, BenchCommand.MessagingBenchCommand.class,
            BenchCommand.PairingBenchCommand.class, TransferBenchCommand.class})
final class BenchCommand {
    @ParentCommand
    TandemCommand root;

    /** {@code tandem bench messaging}. */
    @Command(name = "messaging", mixinStandardHelpOptions = true,
            description = "Round-trip latency (p50/p99) and messages per second on one connection.")
    static final class MessagingBenchCommand implements Callable<Integer> {
        @ParentCommand
        BenchCommand bench;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--transport", description = "Transport to measure (default: the best available).")
        String transport;

        @Option(names = "--requests", description = "Sequential requests for latency (default ${DEFAULT-VALUE}).")
        int requests = 5000;

        @Option(names = "--throughput-requests", description = "Pipelined requests for throughput (default ${DEFAULT-VALUE}).")
        int throughput = 50_000;

        @Option(names = "--warmup-requests", description = "Pipelined requests sent untimed before the throughput "
                + "phase, so the JIT has compiled that path (default ${DEFAULT-VALUE}).")
        int warmup = 50_000;

        @Option(names = "--window", description = "Requests in flight for throughput (default ${DEFAULT-VALUE}).")
        int window = 256;

        @Option(names = "--payload", description = "Payload bytes per message (default ${DEFAULT-VALUE}).")
        int payload = 64;

        @Override
        public Integer call() throws Exception {
            Output out = bench.root.output();
            if (requests < 1 || throughput < 1 || warmup < 0 || window < 1 || payload < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--requests, --throughput-requests and --window must be at least 1; --warmup-requests and"
                                + " --payload at least 0");
            }
            try (BenchNodes nodes = new BenchNodes(transport, true)) {
                MessagingBench.install(Messaging.of(nodes.a));
                MessagingBench.install(Messaging.of(nodes.b));
                MessagingBench.Result r = MessagingBench.run(Messaging.of(nodes.a), nodes.b.id(), requests, warmup,
                        throughput, window, payload);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("bench", "messaging");
                f.put("transport", nodes.a.transportName());
                f.put("requests", r.requests());
                f.put("p50Micros", r.p50().toNanos() / 1000.0);
                f.put("p99Micros", r.p99().toNanos() / 1000.0);
                f.put("maxMicros", r.max().toNanos() / 1000.0);
                f.put("messagesPerSecond", Math.round(r.messagesPerSecond()));
                f.put("window", r.window());
                f.put("warmupRequests", warmup);
                f.put("payloadBytes", payload);
                f.put("cpus", Runtime.getRuntime().availableProcessors());
                out.result(String.format("messaging over %s, %d-byte payloads:%n  round trip p50 %.3f ms, p99 %.3f ms,"
                        + " max %.3f ms (%d sequential requests)%n  throughput %,d messages/s (%d in flight)",
                        nodes.a.transportName(), payload, r.p50().toNanos() / 1e6, r.p99().toNanos() / 1e6,
                        r.max().toNanos() / 1e6, r.requests(), Math.round(r.messagesPerSecond()), r.window()), f);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code tandem bench pairing}. */
    @Command(name = "pairing", mixinStandardHelpOptions = true,
            description = "Time from a code entered (a tandem: link) to both devices PAIRED, over many pairings.")
    static final class PairingBenchCommand implements Callable<Integer> {
        @ParentCommand
        BenchCommand bench;

        @Option(names = "--transport", description = "Transport to measure (default: the best available).")
        String transport;

        @Option(names = "--runs", description = "Pairings to time (default ${DEFAULT-VALUE}).")
        int runs = 50;

        @Override
        public Integer call() throws Exception {
            Output out = bench.root.output();
            try (BenchNodes nodes = new BenchNodes(transport, false)) {
                PairingBench.Result r = PairingBench.run(nodes.a, nodes.b, runs);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("bench", "pairing");
                f.put("transport", nodes.a.transportName());
                f.put("runs", r.runs());
                f.put("p50Millis", r.p50().toNanos() / 1e6);
                f.put("p90Millis", r.p90().toNanos() / 1e6);
                f.put("minMillis", r.min().toNanos() / 1e6);
                f.put("maxMillis", r.max().toNanos() / 1e6);
                out.result(String.format("pairing over %s, %d runs (link entered -> both PAIRED):%n"
                        + "  p50 %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms", nodes.a.transportName(), r.runs(),
                        r.p50().toNanos() / 1e6, r.p90().toNanos() / 1e6, r.min().toNanos() / 1e6,
                        r.max().toNanos() / 1e6), f);
            }
            return ExitCodes.OK;
        }
    }
}
