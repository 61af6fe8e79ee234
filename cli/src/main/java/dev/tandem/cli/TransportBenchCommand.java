package dev.tandem.cli;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportProvider;
import dev.tandem.quic.bench.TransportBench;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code tandem bench transport}: raw stream throughput and connect time, against JDK TLS 1.3 over TCP. */
@Command(name = "transport", mixinStandardHelpOptions = true,
        description = "One stream (or --streams) between two nodes on loopback, against JDK TLS 1.3 over TCP in the same run.")
final class TransportBenchCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--transport", description = "Transport to measure (default ${DEFAULT-VALUE}).")
    String transport = "kwik";

    @Option(names = "--size", converter = SizeConverter.class, description = "Bytes per run (default 256MiB).")
    long size = 256L << 20;

    @Option(names = "--streams", description = "Parallel streams (default ${DEFAULT-VALUE}).")
    int streams = 1;

    @Option(names = "--runs", description = "Runs per transport (default ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--connects", description = "Connects timed for the latency figure (default ${DEFAULT-VALUE}).")
    int connects = 50;

    @Override
    public Integer call() throws Exception {
        Output out = bench.root.output();
        TransportBench.Report r = TransportBench.run(factory(transport),
                TransportBench.Options.of(size, runs).withStreams(streams).withConnectSamples(connects));
        StringBuilder human = new StringBuilder(String.format("transport bench: %d run(s) of %s over %d stream(s), loopback%n",
                runs, ProgressLine.bytes(size), streams));
        for (TransportBench.Summary s : List.of(r.transport(), r.baseline())) {
            for (TransportBench.RunResult run : s.runs()) {
                human.append(String.format("  %-10s run %2d: %8.1f MB/s  %6.1f CPU-s/GiB  nudges %d  stalls %d%s%n",
                        s.transport(), run.run(), run.megabytesPerSecond(), run.cpuSecondsPerGiB(), run.nudges(),
                        run.stalls(), run.ok() ? "" : "  FAILED: " + run.error()));
            }
        }
        human.append(String.format("  median: %s %.1f MB/s (%.1f CPU-s/GiB), %s %.1f MB/s (%.1f CPU-s/GiB)%n",
                r.transport().transport(), r.transport().medianMegabytesPerSecond(), r.transport().medianCpuSecondsPerGiB(),
                r.baseline().transport(), r.baseline().medianMegabytesPerSecond(), r.baseline().medianCpuSecondsPerGiB()));
        human.append(String.format("  ratio to TLS/TCP: throughput %.3fx, CPU per GiB %.1fx%n", r.throughputRatio(), r.cpuRatio()));
        if (r.transport().connectP50() != null) {
            human.append(String.format("  connect + mutual auth p50: %.2f ms (TLS/TCP connect %.2f ms)%n",
                    r.transport().connectP50().toNanos() / 1e6,
                    r.baseline().connectP50() == null ? Double.NaN : r.baseline().connectP50().toNanos() / 1e6));
        }
        human.append(String.format("  failed runs: %d, nudges: %d", r.transport().failures(), r.transport().nudges()));
        out.result(human.toString(), fields(r));
        return r.transport().failures() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static Function<NetworkIdentity, Transport> factory(String name) {
        TransportProvider p = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no transport named '" + name + "' on the class path"));
        return id -> p.create(id, Map.of());
    }

    static Map<String, Object> fields(TransportBench.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "transport");
        m.put("transport", r.transport().transport());
        m.put("bytesPerRun", r.options().bytesPerRun());
        m.put("streams", r.options().streams());
        m.put("runs", r.transport().runs());
        m.put("baselineRuns", r.baseline().runs());
        m.put("medianMBps", r.transport().medianMegabytesPerSecond());
        m.put("medianCpuSecondsPerGiB", r.transport().medianCpuSecondsPerGiB());
        m.put("baselineMedianMBps", r.baseline().medianMegabytesPerSecond());
        m.put("baselineMedianCpuSecondsPerGiB", r.baseline().medianCpuSecondsPerGiB());
        m.put("throughputRatio", r.throughputRatio());
        m.put("connectP50Millis", r.transport().connectP50() == null ? null : r.transport().connectP50().toNanos() / 1e6);
        m.put("baselineConnectP50Millis", r.baseline().connectP50() == null ? null : r.baseline().connectP50().toNanos() / 1e6);
        m.put("failedRuns", r.transport().failures());
        m.put("nudges", r.transport().nudges());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        return m;
    }
}
