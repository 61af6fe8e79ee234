package dev.tandem.cli;

import dev.tandem.filetransfer.TransferBench;
import dev.tandem.quic.bench.TransportBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bench transfer}: file transfer between two nodes on loopback, per transport, with the raw transport
 * stream and JDK TLS 1.3 over TCP measured in the same run as baselines.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "Send a generated file between two nodes on loopback; the raw stream and TLS/TCP are measured in the same run.")
final class TransferBenchCommand implements Callable<Integer> {
    /** Data sealed, opened and hashed per run to measure what AES-GCM and SHA-256 cost on this machine. */
    static final long CRYPTO_SAMPLE = 128L << 20;

    @ParentCommand
    BenchCommand bench;

    @Spec
    CommandSpec spec;

    @Option(names = "--transport", description = "kwik, netty, both or auto (default ${DEFAULT-VALUE}).")
    String transport = TransportBenchCommand.BOTH;

    @Option(names = "--size", converter = SizeConverter.class, description = "File size (default 256MiB).")
    long size = 256L << 20;

    @Option(names = "--runs", description = "Runs (default ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--files", description = "Send a folder of this many files that make --size together, to measure"
            + " what each file costs (default ${DEFAULT-VALUE}: one file).")
    int files = 1;

    @Option(names = "--no-baselines",
            description = "Skip the raw-stream and TLS/TCP baselines: transfers only, for long reliability series.")
    boolean noBaselines;

    @Option(names = "--warmup", converter = SizeConverter.class,
            description = "Size of the unmeasured raw-stream round and transfer that warm the JIT first (default: the"
                    + " file size, at most 256MiB). A JVM reaches full speed only after a few GiB.")
    Long warmup;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "Node option on both nodes, for the transport "
            + "or the transfer, e.g. filetransfer.chunkSize=262144 or netty.gsoSegments=20 (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--work-dir", description = "Where the generated file goes (default: a temporary directory).")
    Path workDir;

    /**
     * One transport's figures: transfer runs and the raw stream runs interleaved with them, and for each the busiest
     * thread (index-aligned with {@code transfers}; raw ones empty without baselines).
     */
    record Measured(String transport, List<TransferBench.Run> transfers, List<ThreadCpu.Busiest> transferBusiest,
            double rawMedian, List<ThreadCpu.Busiest> rawBusiest, long bytesPerRun, double rawCpuMedian,
            double cryptoCpuMedian) {
        List<TransferBench.Run> succeeded() {
            return transfers.stream().filter(TransferBench.Run::ok).toList();
        }

        long failed() {
            return transfers.size() - succeeded().size();
        }

        long resumed() {
            return succeeded().stream().filter(r -> r.reconnects() > 0).count();
        }

        double median() {
            return TransferBenchCommand.median(succeeded().stream().mapToDouble(TransferBench.Run::megabytesPerSecond).sorted().toArray());
        }

        double cpuMedian() {
            return TransferBenchCommand.median(succeeded().stream().mapToDouble(TransferBench.Run::cpuSecondsPerGiB).sorted().toArray());
        }

        /** The busiest thread of the successful transfer runs, median CPU-s/GiB, role of the run at the median. */
        Busy transferBusy() {
            List<ThreadCpu.Busiest> ok = new ArrayList<>();
            for (int i = 0; i < transfers.size(); i++) {
                if (transfers.get(i).ok()) {
                    ok.add(transferBusiest.get(i));
                }
            }
            return Busy.of(ok, bytesPerRun);
        }

        Busy rawBusy() {
            return Busy.of(rawBusiest, bytesPerRun);
        }

        /**
         * The most of the raw stream's rate a transfer can reach when both ends share this machine's CPUs and the
         * CPUs are the limit: the raw stream's CPU per GiB over that plus the AES-GCM and SHA-256 work no transfer
         * can skip (see {@link TransferBench#cryptoCpuSecondsPerGiB(long, int)}). NaN without baselines.
         */
        double cpuBoundCeiling() {
            return rawCpuMedian / (rawCpuMedian + cryptoCpuMedian);
        }
    }

    /** The median busiest thread over runs: its role and CPU seconds per GiB moved. */
    record Busy(String role, double cpuSecondsPerGiB) {
        static Busy of(List<ThreadCpu.Busiest> runs, long bytesPerRun) {
            List<ThreadCpu.Busiest> sorted = runs.stream().filter(b -> Double.isFinite(b.cpuSeconds()))
                    .sorted(java.util.Comparator.comparingDouble(ThreadCpu.Busiest::cpuSeconds)).toList();
            if (sorted.isEmpty()) {
                return new Busy("unknown", Double.NaN);
            }
            double gib = bytesPerRun / (double) (1L << 30);
            double[] perGib = sorted.stream().mapToDouble(b -> b.cpuSeconds() / gib).toArray();
            return new Busy(sorted.get(sorted.size() / 2).role(), TransferBenchCommand.median(perGib));
        }
    }

    @Override
    public Integer call() throws Exception {
        Output out = bench.root.output();
        if (runs < 1 || size < 1 || files < 1 || files > size) {
            throw new ParameterException(spec.commandLine(), "--runs and --size must be at least 1, and --files 1 to"
                    + " --size (every file at least one byte)");
        }
        Path dir = workDir != null ? workDir : Files.createTempDirectory("tandem-bench-transfer");
        List<Measured> measured = new ArrayList<>();
        try {
            for (String name : TransportBenchCommand.names(transport)) {
                measured.add(measure(name, dir));
            }
        } finally {
            if (workDir == null) {
                BenchNodes.deleteTree(dir);
            }
        }
        double tlsMedian = noBaselines ? Double.NaN : dev.tandem.quic.bench.TlsTcpBaseline.run(
                TransportBench.Options.of(size, runs).withConnectSamples(0)).medianMegabytesPerSecond();
        StringBuilder human = new StringBuilder(String.format("transfer bench: %d run(s) of %s, loopback, %d CPU(s)%n",
                runs, ProgressLine.bytes(size), Runtime.getRuntime().availableProcessors()));
        List<Map<String, Object>> perTransport = new ArrayList<>();
        for (Measured m : measured) {
            for (int i = 0; i < m.transfers().size(); i++) {
                TransferBench.Run r = m.transfers().get(i);
                human.append(String.format("  %-6s transfer run %d: %7.1f MB/s  %6.1f CPU-s/GiB  peak heap %s  reconnects %d%s%s%n",
                        m.transport(), i + 1, r.megabytesPerSecond(), r.cpuSecondsPerGiB(),
                        ProgressLine.bytes(r.peakHeapBytes()), r.reconnects(),
                        files > 1 && r.ok() ? String.format("  %d files: %.0f files/s", files, files / r.seconds()) : "",
                        r.ok() ? "" : "  FAILED: " + r.error()));
            }
            human.append(String.format("  %-6s failed runs: %d of %d; runs that resumed after a stall or drop: %d%n",
                    m.transport(), m.failed(), m.transfers().size(), m.resumed()));
            double vsRaw = m.median() / m.rawMedian();
            double vsTls = m.median() / tlsMedian;
            if (Double.isNaN(m.rawMedian())) { // --no-baselines
                human.append(String.format("  %-6s median: transfer %.1f MB/s (%.1f CPU-s/GiB)%n", m.transport(),
                        m.median(), m.cpuMedian()));
            } else {
                human.append(String.format("  %-6s median: transfer %.1f MB/s (%.1f CPU-s/GiB), raw stream %.1f MB/s; "
                        + "transfer/raw %.2fx, transfer/TLS-TCP %.3fx%n", m.transport(), m.median(), m.cpuMedian(),
                        m.rawMedian(), vsRaw, vsTls));
            }
            Busy busy = m.transferBusy();
            Busy rawBusy = m.rawBusy();
            double busyRatio = rawBusy.cpuSecondsPerGiB() / busy.cpuSecondsPerGiB();
            if (Double.isNaN(rawBusy.cpuSecondsPerGiB())) {
                human.append(String.format("  %-6s busiest thread: transfer %.2f CPU-s/GiB (%s)%n", m.transport(),
                        busy.cpuSecondsPerGiB(), busy.role()));
            } else {
                human.append(String.format("  %-6s busiest thread: transfer %.2f CPU-s/GiB (%s), raw stream %.2f (%s);"
                        + " transfer/raw with a core per busy thread: %.2fx%n", m.transport(), busy.cpuSecondsPerGiB(),
                        busy.role(), rawBusy.cpuSecondsPerGiB(), rawBusy.role(), busyRatio));
            }
            double ceiling = m.cpuBoundCeiling();
            if (!Double.isNaN(ceiling)) {
                human.append(String.format("  %-6s CPU-bound ceiling: the raw stream costs %.2f CPU-s/GiB and AES-GCM"
                        + " + SHA-256 at both ends %.2f more (measured here), so where these %d CPUs are the limit of both"
                        + " ends a transfer reaches at most %.2fx of the raw stream; %s%n",
                        m.transport(), m.rawCpuMedian(), m.cryptoCpuMedian(), Runtime.getRuntime().availableProcessors(),
                        ceiling, !Double.isFinite(vsRaw) ? "no transfer succeeded"
                                : String.format("this one reached %.2f of that%s", vsRaw / ceiling, vsRaw > ceiling
                                        ? " (above it: the raw stream had not kept the CPUs busy)" : "")));
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("transport", m.transport());
            putFinite(f, "medianMBps", m.median());
            f.put("files", files);
            putFinite(f, "medianFilesPerSecond", median(m.succeeded().stream().map(r -> files / r.seconds()).toList()));
            putFinite(f, "medianCpuSecondsPerGiB", m.cpuMedian());
            f.put("peakHeapBytes", m.transfers().stream().mapToLong(TransferBench.Run::peakHeapBytes).max().orElse(0));
            f.put("reconnects", m.transfers().stream().mapToInt(TransferBench.Run::reconnects).sum());
            f.put("failedRuns", m.failed());
            f.put("resumedRuns", m.resumed());
            putFinite(f, "rawStreamMedianMBps", m.rawMedian());
            putFinite(f, "ratioToRawStream", vsRaw);
            putFinite(f, "ratioToTlsTcp", vsTls);
            f.put("busiestThread", busy.role());
            putFinite(f, "busiestThreadCpuSecondsPerGiB", busy.cpuSecondsPerGiB());
            if (!Double.isNaN(rawBusy.cpuSecondsPerGiB())) {
                f.put("rawStreamBusiestThread", rawBusy.role());
            }
            putFinite(f, "rawStreamBusiestThreadCpuSecondsPerGiB", rawBusy.cpuSecondsPerGiB());
            putFinite(f, "ratioToRawStreamByBusiestThread", busyRatio);
            putFinite(f, "rawStreamCpuSecondsPerGiB", m.rawCpuMedian());
            putFinite(f, "cryptoCpuSecondsPerGiB", m.cryptoCpuMedian());
            putFinite(f, "cpuBoundCeiling", ceiling);
            putFinite(f, "ratioToCpuBoundCeiling", vsRaw / ceiling);
            f.put("perRunMBps", m.transfers().stream().map(TransferBench.Run::megabytesPerSecond).toList());
            perTransport.add(f);
        }
        human.append(noBaselines ? "  baselines skipped (--no-baselines)"
                : String.format("  TLS/TCP (raw, same run): %.1f MB/s", tlsMedian));
        if (measured.size() == 2) {
            human.append(String.format("%n  ratio %s/%s transfer: %.2fx", measured.get(1).transport(),
                    measured.get(0).transport(), measured.get(1).median() / measured.get(0).median()));
        }
        Map<String, Object> f = new LinkedHashMap<>(perTransport.get(0));
        f.put("bench", "transfer");
        f.put("bytes", size);
        f.put("runs", runs);
        putFinite(f, "tlsTcpMedianMBps", tlsMedian);
        f.put("transports", perTransport);
        f.put("cpus", Runtime.getRuntime().availableProcessors());
        out.result(human.toString(), f);
        return measured.stream().allMatch(m -> m.failed() == 0) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private Measured measure(String name, Path dir) throws Exception {
        var factory = TransportBenchCommand.factory(name, options);
        List<TransferBench.Run> ft = new ArrayList<>();
        List<ThreadCpu.Busiest> ftBusiest = new ArrayList<>();
        List<Double> rawRuns = new ArrayList<>();
        List<Double> rawCpuPerGib = new ArrayList<>();
        List<Double> cryptoCpu = new ArrayList<>();
        List<ThreadCpu.Busiest> rawBusiest = new ArrayList<>();
        try (BenchNodes nodes = new BenchNodes(name, true, options)) {
            // One unmeasured round of each warms the JIT; then raw stream and transfer alternate, so both
            // see the same machine conditions.
            long warm = warmup != null ? warmup : Math.min(size, 256L << 20);
            if (warm > 0) {
                TransportBench.runTransport(factory, TransportBench.Options.of(warm, 1).withConnectSamples(0));
                TransferBench.run(nodes.a, nodes.b, dir, warm, 1);
            }
            for (int i = 0; i < runs; i++) {
                if (!noBaselines) {
                    ThreadCpu rawCpu = ThreadCpu.start();
                    TransportBench.Summary rawRun;
                    try {
                        rawRun = TransportBench.runTransport(factory,
                                TransportBench.Options.of(size, 1).withConnectSamples(0));
                    } finally {
                        rawCpu.stop();
                    }
                    if (rawRun.failures() == 0) {
                        rawBusiest.add(rawCpu.stop());
                    }
                    rawRuns.add(rawRun.medianMegabytesPerSecond());
                    rawCpuPerGib.add(rawRun.medianCpuSecondsPerGiB());
                    cryptoCpu.add(TransferBench.cryptoCpuSecondsPerGiB(nodes.a, Math.min(size, CRYPTO_SAMPLE)));
                }
                TransferBench.prepare(dir, size, files); // generating the files is not the transfer's work
                ThreadCpu transferCpu = ThreadCpu.start();
                try {
                    ft.addAll(TransferBench.run(nodes.a, nodes.b, dir, size, files, 1));
                } finally {
                    transferCpu.stop();
                }
                ftBusiest.add(transferCpu.stop());
            }
            return new Measured(nodes.a.transportName(), ft, ftBusiest, median(rawRuns), rawBusiest, size,
                    median(rawCpuPerGib), median(cryptoCpu));
        }
    }

    /** JSON has no NaN: a figure that was not measured (no baselines, no successful run) is left out. */
    private static void putFinite(Map<String, Object> f, String key, double value) {
        if (Double.isFinite(value)) {
            f.put(key, value);
        }
    }

    private static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray());
    }

    private static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
