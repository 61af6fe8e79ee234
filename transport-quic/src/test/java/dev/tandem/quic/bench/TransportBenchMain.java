package dev.tandem.quic.bench;

import dev.tandem.quic.QuicTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Runs the transport benchmark from the command line (see the module README):
 * {@code TransportBenchMain <MiB per run> <runs> [streams] [stream window KiB] [connect samples]
 * [connect warm-up] [progress file or -] [time budget minutes for the transport's runs]}. With a progress file, every run is appended to it as it finishes.
 */
public final class TransportBenchMain {
    private TransportBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 64;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int streams = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int windowKib = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
        int connects = args.length > 4 ? Integer.parseInt(args[4]) : 200;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 300;
        Path progressFile = args.length > 6 && !args[6].equals("-") ? Path.of(args[6]) : null;
        int budgetMinutes = args.length > 7 ? Integer.parseInt(args[7]) : 0;
        TransportBench.Options o = TransportBench.Options.of(mib << 20, runs).withStreams(streams)
                .withStreamWindow(windowKib * 1024).withConnectSamples(connects).withConnectWarmup(warmup)
                .withTimeBudget(java.time.Duration.ofMinutes(budgetMinutes));
        TransportBench.Report r = TransportBench.run(QuicTransport::new, o, (name, x) -> {
            if (progressFile != null) {
                append(progressFile, String.format(Locale.ROOT, "%s %s%n", name, formatRun(x)));
            }
        });
        String text = format(r);
        if (progressFile != null) {
            append(progressFile, text);
        }
        System.out.println(text);
    }

    private static void append(Path file, String line) {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            w.print(line);
        } catch (IOException e) {
            System.err.println("cannot append to " + file + ": " + e);
        }
    }

    static String formatRun(TransportBench.RunResult x) {
        return String.format(Locale.ROOT, "run %d: %.1f MB/s, %.1f CPU-s/GiB, %.2f s, nudges %d, stalls %d%s", x.run(),
                x.megabytesPerSecond(), x.cpuSecondsPerGiB(), x.seconds(), x.nudges(), x.stalls(),
                x.ok() ? "" : " FAILED: " + x.error());
    }

    static String format(TransportBench.Report r) {
        StringBuilder b = new StringBuilder();
        TransportBench.Options o = r.options();
        b.append(String.format(Locale.ROOT, "%d MiB x %d runs (transport: %d completed), %d stream(s), window %d KiB,"
                + " %d cores, connects: %d timed after %d warm-up%n", o.bytesPerRun() >> 20, o.runs(),
                r.transport().runs().size(), o.streams(), o.streamWindow() / 1024,
                Runtime.getRuntime().availableProcessors(), o.connectSamples(), o.connectWarmup()));
        for (TransportBench.Summary s : new TransportBench.Summary[] {r.transport(), r.baseline()}) {
            long nudgedRuns = s.runs().stream().filter(x -> x.nudges() > 0).count();
            b.append(String.format(Locale.ROOT, "%-12s median %.1f MB/s, %.1f CPU-s/GiB, failures %d, nudges %d"
                    + " (in %d runs), connect p50 %s p90 %s, failed connects %d%n", s.transport(),
                    s.medianMegabytesPerSecond(), s.medianCpuSecondsPerGiB(), s.failures(), s.nudges(), nudgedRuns,
                    ms(s.connectP50()), ms(s.connectP90()), s.connectFailures()));
            for (TransportBench.RunResult x : s.runs()) {
                b.append("    ").append(formatRun(x)).append('\n');
            }
        }
        b.append(String.format(Locale.ROOT, "ratio kwik/tls: throughput %.3f, CPU per GiB %.2f, connect p50 %.2f%n",
                r.throughputRatio(), r.cpuRatio(), r.connectRatio()));
        return b.toString();
    }

    private static String ms(java.time.Duration d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
    }
}
