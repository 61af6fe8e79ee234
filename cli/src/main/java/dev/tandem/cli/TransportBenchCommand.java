package dev.tandem.cli;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.TandemNode;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportProvider;
import dev.tandem.quic.bench.TlsTcpBaseline;
import dev.tandem.quic.bench.TransportBench;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tandem bench transport}: raw stream throughput and connect time of one or both QUIC transports, against
 * JDK TLS 1.3 over TCP in the same run.
 */
@Command(name = "transport", mixinStandardHelpOptions = true,
        description = "One stream (or --streams) between two nodes on loopback, against JDK TLS 1.3 over TCP in the same run.")
final class TransportBenchCommand implements Callable<Integer> {
    /** Measures every QUIC transport that can run here. */
    static final String BOTH = "both";

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--transport", description = "kwik, netty, both or auto (default ${DEFAULT-VALUE}).")
    String transport = BOTH;

    @Option(names = "--size", converter = SizeConverter.class, description = "Bytes per run (default 256MiB).")
    long size = 256L << 20;

    @Option(names = "--streams", description = "Parallel streams (default ${DEFAULT-VALUE}).")
    int streams = 1;

    @Option(names = "--runs", description = "Runs per transport (default ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--connects", description = "Connects timed for the latency figure (default ${DEFAULT-VALUE}).")
    int connects = 50;

    @Option(names = "--warmup", description = "Untimed runs per transport first, so the JIT has compiled the data path "
            + "(default ${DEFAULT-VALUE}).")
    int warmup = 1;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "Transport option for the QUIC transports, "
            + "e.g. netty.gsoSegments=20 (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Output out = bench.root.output();
        TransportBench.Options o = TransportBench.Options.of(size, runs).withStreams(streams).withConnectSamples(connects)
                .withWarmupRuns(warmup);
        List<TransportBench.Summary> measured = new ArrayList<>();
        for (String name : names(transport)) {
            measured.add(TransportBench.runTransport(factory(name, options), o));
        }
        TransportBench.Summary tls = TlsTcpBaseline.run(o);
        StringBuilder human = new StringBuilder(String.format("transport bench: %d run(s) of %s over %d stream(s), loopback, %d CPU(s)%n",
                runs, ProgressLine.bytes(size), streams, Runtime.getRuntime().availableProcessors()));
        List<TransportBench.Summary> all = new ArrayList<>(measured);
        all.add(tls);
        for (TransportBench.Summary s : all) {
            for (TransportBench.RunResult run : s.runs()) {
                human.append(String.format("  %-10s run %2d: %8.1f MB/s  %6.1f CPU-s/GiB  nudges %d  stalls %d%s%n",
                        s.transport(), run.run(), run.megabytesPerSecond(), run.cpuSecondsPerGiB(), run.nudges(),
                        run.stalls(), run.ok() ? "" : "  FAILED: " + run.error()));
            }
        }
        for (TransportBench.Summary s : all) {
            human.append(String.format("  median %-10s %8.1f MB/s  %6.1f CPU-s/GiB%s%n", s.transport(),
                    s.medianMegabytesPerSecond(), s.medianCpuSecondsPerGiB(), s.connectP50() == null ? ""
                            : String.format("  connect p50 %.2f ms", s.connectP50().toNanos() / 1e6)));
        }
        for (TransportBench.Summary s : measured) {
            human.append(String.format("  ratio %s/TLS-TCP: throughput %.3fx, CPU per GiB %.1fx%n", s.transport(),
                    ratio(s.medianMegabytesPerSecond(), tls.medianMegabytesPerSecond()),
                    ratio(s.medianCpuSecondsPerGiB(), tls.medianCpuSecondsPerGiB())));
        }
        if (measured.size() == 2) {
            TransportBench.Summary a = measured.get(0);
            TransportBench.Summary b = measured.get(1);
            human.append(String.format("  ratio %s/%s: throughput %.2fx, CPU per GiB %.2fx%n", b.transport(), a.transport(),
                    ratio(b.medianMegabytesPerSecond(), a.medianMegabytesPerSecond()),
                    ratio(b.medianCpuSecondsPerGiB(), a.medianCpuSecondsPerGiB())));
        }
        long failures = measured.stream().mapToLong(TransportBench.Summary::failures).sum();
        human.append(String.format("  failed runs: %d, nudges: %d", failures,
                measured.stream().mapToLong(TransportBench.Summary::nudges).sum()));
        out.result(human.toString(), fields(o, measured, tls));
        return failures == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static double ratio(double a, double b) {
        return b == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a / b;
    }

    /**
     * The transports {@code arg} names: "both" = kwik then netty (those that can run here), "auto" = the
     * highest-priority available one, anything else itself.
     */
    static List<String> names(String arg) {
        List<TransportProvider> ps = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        if (BOTH.equals(arg)) {
            List<String> n = new ArrayList<>();
            for (String want : List.of("kwik", "netty")) {
                ps.stream().filter(p -> p.name().equals(want) && p.isAvailable()).findFirst()
                        .ifPresent(p -> n.add(p.name()));
            }
            if (n.isEmpty()) {
                throw new IllegalStateException("neither the kwik nor the netty transport can run here");
            }
            return n;
        }
        if (TandemNode.AUTO.equals(arg)) {
            return List.of(ps.stream().filter(TransportProvider::isAvailable)
                    .max(Comparator.comparingInt(TransportProvider::priority)).orElseThrow(
                            () -> new IllegalStateException("no transport can run here")).name());
        }
        return List.of(arg);
    }

    static Function<NetworkIdentity, Transport> factory(String name, Map<String, String> options) {
        TransportProvider p = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no transport named '" + name + "' on the class path"));
        if (!p.isAvailable()) {
            throw new IllegalStateException("transport '" + name + "' cannot run here: " + p.unavailableReason());
        }
        Map<String, String> copy = Map.copyOf(options);
        return id -> p.create(id, copy);
    }

    static Map<String, Object> fields(TransportBench.Options o, List<TransportBench.Summary> measured,
            TransportBench.Summary tls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "transport");
        m.put("transport", measured.get(0).transport());
        m.put("bytesPerRun", o.bytesPerRun());
        m.put("streams", o.streams());
        List<Map<String, Object>> ts = new ArrayList<>();
        for (TransportBench.Summary s : measured) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("transport", s.transport());
            t.put("runs", s.runs());
            t.put("medianMBps", s.medianMegabytesPerSecond());
            t.put("medianCpuSecondsPerGiB", s.medianCpuSecondsPerGiB());
            t.put("throughputRatio", ratio(s.medianMegabytesPerSecond(), tls.medianMegabytesPerSecond()));
            t.put("cpuRatio", ratio(s.medianCpuSecondsPerGiB(), tls.medianCpuSecondsPerGiB()));
            t.put("connectP50Millis", s.connectP50() == null ? null : s.connectP50().toNanos() / 1e6);
            t.put("failedRuns", s.failures());
            t.put("nudges", s.nudges());
            ts.add(t);
        }
        m.put("transports", ts);
        m.put("baselineRuns", tls.runs());
        m.put("baselineMedianMBps", tls.medianMegabytesPerSecond());
        m.put("baselineMedianCpuSecondsPerGiB", tls.medianCpuSecondsPerGiB());
        m.put("baselineConnectP50Millis", tls.connectP50() == null ? null : tls.connectP50().toNanos() / 1e6);
        if (measured.size() == 2) {
            m.put("secondToFirstThroughputRatio", ratio(measured.get(1).medianMegabytesPerSecond(),
                    measured.get(0).medianMegabytesPerSecond()));
        }
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        return m;
    }
}
