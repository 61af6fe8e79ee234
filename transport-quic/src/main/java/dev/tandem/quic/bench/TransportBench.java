package dev.tandem.quic.bench;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.quic.TransportStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The engine behind {@code tandem bench transport}: in one process, two nodes on loopback move
 * {@code bytesPerRun} bytes over {@code streams} parallel streams, {@code runs} times, and the same
 * transfer runs over JDK TLS 1.3 on TCP ({@link TlsTcpBaseline}) for comparison. Also measures connect
 * latency including authentication. Returns numbers only; printing is the caller's business.
 *
 * <p>CPU figures are whole-process CPU time (both ends, all threads, GC) per GiB moved, from
 * {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime}; MB/s is 10^6 bytes per second of
 * wall time from first byte written to last byte read.
 */
public final class TransportBench {
    /** ALPN the benchmark nodes serve. */
    public static final String ALPN = "tandem-bench/1";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TransportBench.class);

    private TransportBench() {
    }

    /**
     * What to run.
     *
     * @param bytesPerRun bytes moved per run, split evenly over the streams
     * @param streams parallel streams (QUIC) or connections (TLS/TCP baseline)
     * @param runs measured runs per transport
     * @param warmupRuns untimed runs of the same size made first, on both the transport under test and the baseline:
     *        a new process moves its first GiB or so through code the JIT has not compiled yet
     * @param connectSamples connects timed for the latency figure (0 = skip)
     * @param connectWarmup untimed connects made first, so the figure is of a warm process (JIT, caches)
     * @param streamWindow receive window per stream for the transport under test
     * @param runTimeout a run that takes longer is aborted and reported as failed
     * @param timeBudget no further run of the transport under test starts once this much time has passed since
     *        its first run started (zero = no limit); the runs that finished are reported
     */
    public record Options(long bytesPerRun, int streams, int runs, int warmupRuns, int connectSamples,
            int connectWarmup, int streamWindow, Duration runTimeout, Duration timeBudget) {
        public Options {
            if (bytesPerRun <= 0 || streams <= 0 || runs <= 0 || warmupRuns < 0 || connectSamples < 0
                    || connectWarmup < 0) {
                throw new IllegalArgumentException("sizes and counts must be positive");
            }
            Objects.requireNonNull(runTimeout, "runTimeout");
            Objects.requireNonNull(timeBudget, "timeBudget");
        }

        public static Options of(long bytesPerRun, int runs) {
            return new Options(bytesPerRun, 1, runs, 0, 200, 300, 1 << 20, Duration.ofMinutes(5), Duration.ZERO);
        }

        public Options withStreams(int n) {
            return new Options(bytesPerRun, n, runs, warmupRuns, connectSamples, connectWarmup, streamWindow,
                    runTimeout, timeBudget);
        }

        public Options withWarmupRuns(int n) {
            return new Options(bytesPerRun, streams, runs, n, connectSamples, connectWarmup, streamWindow, runTimeout,
                    timeBudget);
        }

        public Options withStreamWindow(int w) {
            return new Options(bytesPerRun, streams, runs, warmupRuns, connectSamples, connectWarmup, w, runTimeout,
                    timeBudget);
        }

        public Options withConnectSamples(int n) {
            return new Options(bytesPerRun, streams, runs, warmupRuns, n, connectWarmup, streamWindow, runTimeout,
                    timeBudget);
        }

        public Options withConnectWarmup(int n) {
            return new Options(bytesPerRun, streams, runs, warmupRuns, connectSamples, n, streamWindow, runTimeout,
                    timeBudget);
        }

        public Options withTimeBudget(Duration d) {
            return new Options(bytesPerRun, streams, runs, warmupRuns, connectSamples, connectWarmup, streamWindow,
                    runTimeout, d);
        }

        public Options withRunTimeout(Duration d) {
            return new Options(bytesPerRun, streams, runs, warmupRuns, connectSamples, connectWarmup, streamWindow,
                    d, timeBudget);
        }
    }

    /**
     * One run.
     *
     * @param ok true if every byte arrived and every stream ended cleanly in time
     * @param nudges write-watchdog nudges during the run (QUIC transport only, else 0)
     * @param stalls streams that failed as stalled during the run (QUIC transport only, else 0)
     * @param error what failed, or empty
     */
    public record RunResult(int run, long bytes, double seconds, double megabytesPerSecond, double cpuSecondsPerGiB,
            long nudges, long stalls, boolean ok, String error) {
    }

    /**
     * All runs of one transport, with medians over the successful ones. Connect percentiles are over the timed
     * (warm) connects, null if none were made.
     */
    public record Summary(String transport, List<RunResult> runs, double medianMegabytesPerSecond,
            double medianCpuSecondsPerGiB, long failures, long nudges, Duration connectP50, Duration connectP90,
            int connectFailures) {
    }

    /** The transport under test, the TLS/TCP baseline from the same process, and their ratios. */
    public record Report(Options options, Summary transport, Summary baseline, double throughputRatio,
            double cpuRatio, double connectRatio) {
    }

    /** Runs the transport made by {@code factory}, then the TLS/TCP baseline, with the same options. */
    public static Report run(Function<NetworkIdentity, Transport> factory, Options o) throws IOException,
            InterruptedException {
        return run(factory, o, (name, r) -> { });
    }

    /**
     * As {@link #run(Function, Options)}, telling {@code progress} about each run as it finishes (transport
     * name, result), so a long benchmark's partial results survive.
     */
    public static Report run(Function<NetworkIdentity, Transport> factory, Options o,
            BiConsumer<String, RunResult> progress) throws IOException, InterruptedException {
        Summary t = runTransport(factory, o, progress);
        Summary b = TlsTcpBaseline.run(o, progress);
        return new Report(o, t, b, ratio(t.medianMegabytesPerSecond(), b.medianMegabytesPerSecond()),
                ratio(t.medianCpuSecondsPerGiB(), b.medianCpuSecondsPerGiB()),
                ratio(nanos(t.connectP50()), nanos(b.connectP50())));
    }

    private static double nanos(Duration d) {
        return d == null ? Double.NaN : d.toNanos();
    }

    private static double ratio(double a, double b) {
        return b == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a / b;
    }

    /** Runs only the transport under test. */
    public static Summary runTransport(Function<NetworkIdentity, Transport> factory, Options o) throws IOException,
            InterruptedException {
        return runTransport(factory, o, (name, r) -> { });
    }

    static Summary runTransport(Function<NetworkIdentity, Transport> factory, Options o,
            BiConsumer<String, RunResult> progress) throws IOException, InterruptedException {
        TransportConfig config = TransportConfig.of(Map.of(ALPN,
                new StreamLimits(Math.max(o.streams(), 8), Math.max(o.streams(), 8), o.streamWindow())))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withIdleTimeout(Duration.ofSeconds(20), Duration.ofSeconds(5));
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        ExecutorService pool = Executors.newCachedThreadPool(daemon("bench"));
        Transport server = factory.apply(NetworkIdentity.generate());
        Transport client = factory.apply(NetworkIdentity.generate());
        try {
            server.start(config, inbound::add);
            client.start(config, c -> { });
            long[] connects = null;
            int connectFailures = 0;
            if (o.connectSamples() > 0) {
                connects = new long[o.connectSamples()];
                int timed = 0;
                int failed = 0;
                for (int i = 0; timed < o.connectSamples(); i++) {
                    long t0 = System.nanoTime();
                    PeerConnection c;
                    try {
                        c = client.dial(server.localAddr(), ALPN).get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // one failed handshake (kwik's connect timeout) is reported, not fatal
                        if (++failed > Math.max(3, o.connectSamples() / 10)) {
                            throw e;
                        }
                        connectFailures++;
                        continue;
                    }
                    long t = System.nanoTime() - t0;
                    if (i >= o.connectWarmup()) {
                        connects[timed++] = t;
                    }
                    // Take the server's side before closing: a connection the client closes at once may close
                    // before the server's worker hands it to the inbound handler, which then never sees it.
                    PeerConnection s = inbound.poll(30, TimeUnit.SECONDS);
                    c.close();
                    if (s != null) {
                        s.close();
                    }
                }
            }
            for (int w = 1; w <= o.warmupRuns(); w++) {
                RunResult r = oneRun(-w, client, server, inbound, pool, o);
                if (!r.ok()) {
                    LOG.warn("{}: warm-up run {} failed: {}", client.name(), w, r.error());
                }
            }
            List<RunResult> results = new ArrayList<>();
            long runsStart = System.nanoTime();
            for (int run = 1; run <= o.runs(); run++) {
                if (!o.timeBudget().isZero() && System.nanoTime() - runsStart > o.timeBudget().toNanos()) {
                    break;
                }
                RunResult r = oneRun(run, client, server, inbound, pool, o);
                results.add(r);
                progress.accept(client.name(), r);
            }
            return summarize(client.name(), results, connects, connectFailures);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("benchmark connect failed: " + e, e);
        } finally {
            pool.shutdownNow();
            client.close();
            server.close();
        }
    }

    private static RunResult oneRun(int run, Transport client, Transport server, BlockingQueue<PeerConnection> inbound,
            ExecutorService pool, Options o) throws InterruptedException {
        TransportStats before = client instanceof TransportStats.Source q ? q.stats() : null;
        PeerConnection c = null;
        PeerConnection s = null;
        try {
            c = client.dial(server.localAddr(), ALPN).get(30, TimeUnit.SECONDS);
            s = inbound.poll(30, TimeUnit.SECONDS);
            if (s == null) {
                throw new IOException("server did not accept");
            }
            PeerConnection sc = s;
            PeerConnection cc = c;
            long per = o.bytesPerRun() / o.streams();
            long total = per * o.streams();
            byte[] data = new byte[64 * 1024];
            new Random(run).nextBytes(data);
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            List<Future<Long>> readers = new ArrayList<>();
            List<Future<Long>> writers = new ArrayList<>();
            for (int i = 0; i < o.streams(); i++) {
                readers.add(pool.submit(() -> drain(sc.acceptStream().input())));
            }
            for (int i = 0; i < o.streams(); i++) {
                writers.add(pool.submit(() -> {
                    PeerStream st = cc.openUnidirectional();
                    return fill(st.output(), data, per);
                }));
            }
            long deadline = System.nanoTime() + o.runTimeout().toNanos();
            long got = 0;
            for (Future<Long> w : writers) {
                w.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (Future<Long> r : readers) {
                got += r.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long cpu = cpuNanos() - cpu0;
            TransportStats after = client instanceof TransportStats.Source q ? q.stats() : null;
            long nudges = before == null ? 0 : after.nudges() - before.nudges();
            long stalls = before == null ? 0 : after.stalls() - before.stalls();
            boolean ok = got == total;
            return new RunResult(run, got, secs, got / secs / 1e6, cpu / 1e9 / (got / (double) (1L << 30)), nudges,
                    stalls, ok, ok ? "" : "received " + got + " of " + total + " bytes");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | IOException e) {
            TransportStats after = client instanceof TransportStats.Source q ? q.stats() : null;
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                    ? e.getCause() : e;
            return new RunResult(run, 0, Double.NaN, Double.NaN, Double.NaN,
                    before == null ? 0 : after.nudges() - before.nudges(),
                    before == null ? 0 : after.stalls() - before.stalls(), false, cause.toString());
        } finally {
            if (c != null) {
                c.close();
            }
            if (s != null) {
                s.close();
            }
        }
    }

    static long fill(OutputStream out, byte[] data, long bytes) throws IOException {
        long sent = 0;
        while (sent < bytes) {
            int n = (int) Math.min(data.length, bytes - sent);
            out.write(data, 0, n);
            sent += n;
        }
        out.close();
        return sent;
    }

    static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        for (int r; (r = in.read(buf)) >= 0; ) {
            n += r;
        }
        return n;
    }

    static Summary summarize(String name, List<RunResult> results, long[] connectNanos, int connectFailures) {
        double[] mbs = results.stream().filter(RunResult::ok).mapToDouble(RunResult::megabytesPerSecond).toArray();
        double[] cpu = results.stream().filter(RunResult::ok).mapToDouble(RunResult::cpuSecondsPerGiB).toArray();
        long failures = results.stream().filter(r -> !r.ok()).count();
        long nudges = results.stream().mapToLong(RunResult::nudges).sum();
        Duration p50 = connectNanos == null ? null : Duration.ofNanos(percentile(connectNanos, 50));
        Duration p90 = connectNanos == null ? null : Duration.ofNanos(percentile(connectNanos, 90));
        return new Summary(name, List.copyOf(results), median(mbs), median(cpu), failures, nudges, p50, p90,
                connectFailures);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Nearest-rank percentile ({@code p} in 1..100). */
    static long percentile(long[] v, int p) {
        long[] s = v.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
