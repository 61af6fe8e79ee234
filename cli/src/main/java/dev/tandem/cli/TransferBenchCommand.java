package dev.tandem.cli;

import dev.tandem.filetransfer.TransferBench;
import dev.tandem.quic.bench.TransportBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tandem bench transfer}: file transfer between two nodes on loopback, with the raw transport stream
 * and JDK TLS 1.3 over TCP measured in the same run as baselines.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "Send a generated file between two nodes on loopback; the raw stream and TLS/TCP are measured in the same run.")
final class TransferBenchCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--transport", description = "Transport to measure (default ${DEFAULT-VALUE}).")
    String transport = "kwik";

    @Option(names = "--size", converter = SizeConverter.class, description = "File size (default 256MiB).")
    long size = 256L << 20;

    @Option(names = "--runs", description = "Runs (default ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--no-baselines",
            description = "Skip the raw-stream and TLS/TCP baselines: transfers only, for long reliability series.")
    boolean noBaselines;

    @Option(names = "--work-dir", description = "Where the generated file goes (default: a temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        Output out = bench.root.output();
        boolean baselines = !noBaselines;
        var factory = TransportBenchCommand.factory(transport);
        Path dir = workDir != null ? workDir : Files.createTempDirectory("tandem-bench-transfer");
        List<TransferBench.Run> ft = new java.util.ArrayList<>();
        List<Double> rawRuns = new java.util.ArrayList<>();
        String used;
        try (BenchNodes nodes = new BenchNodes(transport, true)) {
            used = nodes.a.transportName();
            // One unmeasured round of each warms the JIT; then raw stream and transfer alternate, so both
            // see the same machine conditions.
            long warm = Math.min(size, 32L << 20);
            TransportBench.runTransport(factory, TransportBench.Options.of(warm, 1).withConnectSamples(0));
            TransferBench.run(nodes.a, nodes.b, dir, warm, 1);
            for (int i = 0; i < runs; i++) {
                if (baselines) {
                    TransportBench.Summary rawRun = TransportBench.runTransport(factory,
                            TransportBench.Options.of(size, 1).withConnectSamples(0));
                    rawRuns.add(rawRun.medianMegabytesPerSecond());
                }
                ft.addAll(TransferBench.run(nodes.a, nodes.b, dir, size, 1));
            }
        } finally {
            if (workDir == null) {
                BenchNodes.deleteTree(dir);
            }
        }
        double tlsMedian = baselines ? dev.tandem.quic.bench.TlsTcpBaseline.run(TransportBench.Options.of(size, runs)
                .withConnectSamples(0)).medianMegabytesPerSecond() : Double.NaN;
        double rawMedian = median(rawRuns.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        List<TransferBench.Run> good = ft.stream().filter(TransferBench.Run::ok).toList();
        double[] mbps = good.stream().mapToDouble(TransferBench.Run::megabytesPerSecond).sorted().toArray();
        double[] cpu = good.stream().mapToDouble(TransferBench.Run::cpuSecondsPerGiB).sorted().toArray();
        long failed = ft.size() - good.size();
        long resumedRuns = good.stream().filter(r -> r.reconnects() > 0).count();
        double median = median(mbps);
        long peakHeap = ft.stream().mapToLong(TransferBench.Run::peakHeapBytes).max().orElse(0);
        int reconnects = ft.stream().mapToInt(TransferBench.Run::reconnects).sum();
        double vsRaw = median / rawMedian;
        double vsTls = median / tlsMedian;
        StringBuilder human = new StringBuilder(String.format("transfer bench: %d run(s) of %s over %s, loopback%n",
                runs, ProgressLine.bytes(size), used));
        for (int i = 0; i < ft.size(); i++) {
            TransferBench.Run r = ft.get(i);
            human.append(String.format("  transfer run %d: %7.1f MB/s  %6.1f CPU-s/GiB  peak heap %s  reconnects %d%s%n",
                    i + 1, r.megabytesPerSecond(), r.cpuSecondsPerGiB(), ProgressLine.bytes(r.peakHeapBytes()), r.reconnects(),
                    r.ok() ? "" : "  FAILED: " + r.error()));
        }
        human.append(String.format("  failed runs: %d of %d; runs that resumed after a stall or drop: %d%n",
                failed, ft.size(), resumedRuns));
        if (baselines) {
            human.append(String.format("  median: transfer %.1f MB/s, raw %s stream %.1f MB/s, TLS/TCP %.1f MB/s%n", median,
                    used, rawMedian, tlsMedian));
            human.append(String.format("  ratios: transfer/raw stream %.2fx, transfer/TLS-TCP %.3fx; CPU-s/GiB median %.1f",
                    vsRaw, vsTls, median(cpu)));
        } else {
            human.append(String.format("  median: transfer %.1f MB/s, %.1f CPU-s/GiB (baselines skipped)", median, median(cpu)));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("bench", "transfer");
        f.put("transport", used);
        f.put("bytes", size);
        f.put("runs", runs);
        f.put("medianMBps", median);
        f.put("medianCpuSecondsPerGiB", median(cpu));
        f.put("peakHeapBytes", peakHeap);
        f.put("reconnects", reconnects);
        f.put("failedRuns", failed);
        f.put("resumedRuns", resumedRuns);
        f.put("rawStreamMedianMBps", rawMedian);
        f.put("tlsTcpMedianMBps", tlsMedian);
        f.put("ratioToRawStream", vsRaw);
        f.put("ratioToTlsTcp", vsTls);
        f.put("perRunMBps", Arrays.stream(mbps).boxed().toList());
        out.result(human.toString(), f);
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
