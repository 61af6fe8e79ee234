package dev.tandem.quic.bench;

import dev.tandem.quic.QuicTransport;
import java.util.Locale;

/**
 * Runs the transport benchmark from the command line (see the module README):
 * {@code TransportBenchMain <MiB per run> <runs> [streams] [stream window KiB] [connect samples]}.
 */
public final class TransportBenchMain {
    private TransportBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 64;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int streams = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int windowKib = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
        int connects = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        TransportBench.Options o = TransportBench.Options.of(mib << 20, runs).withStreams(streams)
                .withStreamWindow(windowKib * 1024).withConnectSamples(connects);
        TransportBench.Report r = TransportBench.run(QuicTransport::new, o);
        System.out.println(format(r));
    }

    static String format(TransportBench.Report r) {
        StringBuilder b = new StringBuilder();
        TransportBench.Options o = r.options();
        b.append(String.format(Locale.ROOT, "%d MiB x %d runs, %d stream(s), window %d KiB, %d cores%n",
                o.bytesPerRun() >> 20, o.runs(), o.streams(), o.streamWindow() / 1024,
                Runtime.getRuntime().availableProcessors()));
        for (TransportBench.Summary s : new TransportBench.Summary[] {r.transport(), r.baseline()}) {
            b.append(String.format(Locale.ROOT, "%-12s median %.1f MB/s, %.1f CPU-s/GiB, failures %d, nudges %d,"
                    + " connect p50 %s%n", s.transport(), s.medianMegabytesPerSecond(), s.medianCpuSecondsPerGiB(),
                    s.failures(), s.nudges(), s.connectP50() == null ? "-"
                            : String.format(Locale.ROOT, "%.1f ms", s.connectP50().toNanos() / 1e6)));
            for (TransportBench.RunResult x : s.runs()) {
                b.append(String.format(Locale.ROOT, "    run %d: %.1f MB/s, %.1f CPU-s/GiB, %.2f s, nudges %d,"
                        + " stalls %d%s%n", x.run(), x.megabytesPerSecond(), x.cpuSecondsPerGiB(), x.seconds(),
                        x.nudges(), x.stalls(), x.ok() ? "" : " FAILED: " + x.error()));
            }
        }
        b.append(String.format(Locale.ROOT, "ratio kwik/tls: throughput %.3f, CPU per GiB %.2f, connect p50 %.2f%n",
                r.throughputRatio(), r.cpuRatio(), r.connectRatio()));
        return b.toString();
    }
}
