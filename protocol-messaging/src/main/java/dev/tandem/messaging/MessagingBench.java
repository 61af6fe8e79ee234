package dev.tandem.messaging;

import dev.tandem.core.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Measures messaging between two running, paired nodes: round-trip latency of sequential requests and
 * throughput of pipelined requests on one connection. Library code for {@code tandem bench messaging}; it
 * prints nothing.
 */
public final class MessagingBench {
    /** The request and reply the benchmark sends. */
    public record Echo(long seq, String pad) { }

    /** Results of one run. */
    public record Result(int requests, Duration p50, Duration p99, Duration max, double messagesPerSecond,
            int window) {
    }

    private MessagingBench() {
    }

    /** Registers the benchmark's message type and echo handler on a node's messaging (once per node). */
    public static void install(Messaging m) {
        m.register("tandem.bench.echo", Echo.class);
        m.onRequest(Echo.class, (from, e) -> e);
    }

    /**
     * Sends {@code latencyRequests} requests one after another (latency), then {@code warmupRequests} with up to
     * {@code window} in flight untimed (so the JIT has compiled the pipelined path), then {@code throughputRequests}
     * the same way, timed (throughput), from {@code client} to {@code server}.
     */
    public static Result run(Messaging client, NodeId server, int latencyRequests, int warmupRequests,
            int throughputRequests, int window, int payloadBytes) throws Exception {
        String pad = "x".repeat(payloadBytes);
        for (int i = 0; i < Math.min(200, latencyRequests); i++) { // warm-up: JIT, connection, windows
            client.request(server, new Echo(i, pad), Echo.class).get(30, TimeUnit.SECONDS);
        }
        long[] rtts = new long[latencyRequests];
        for (int i = 0; i < latencyRequests; i++) {
            long t0 = System.nanoTime();
            Echo back = await(client.request(server, new Echo(i, pad), Echo.class), 30,
                    "request " + i + " of " + latencyRequests + " (sequential)");
            rtts[i] = System.nanoTime() - t0;
            if (back.seq() != i) {
                throw new IllegalStateException("reply " + back.seq() + " to request " + i);
            }
        }
        Arrays.sort(rtts);
        pipelined(client, server, warmupRequests, window, pad, "warm-up");
        double seconds = pipelined(client, server, throughputRequests, window, pad, "pipelined");
        return new Result(latencyRequests, Duration.ofNanos(percentile(rtts, 50)), Duration.ofNanos(percentile(rtts, 99)),
                Duration.ofNanos(rtts[rtts.length - 1]), throughputRequests / seconds, window);
    }

    /** Sends {@code count} requests with up to {@code window} in flight; returns the seconds until all replied. */
    private static double pipelined(Messaging client, NodeId server, int count, int window, String pad, String phase)
            throws Exception {
        Semaphore inFlight = new Semaphore(window);
        List<CompletableFuture<Echo>> all = new ArrayList<>(count);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            CompletableFuture<Echo> f = client.request(server, new Echo(i, pad), Echo.class);
            f.whenComplete((e, err) -> inFlight.release());
            all.add(f);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            long open = all.stream().filter(f -> !f.isDone()).count();
            TimeoutException t = new TimeoutException(open + " of " + count + " " + phase
                    + " requests had no reply within 120 s");
            t.initCause(e);
            throw t;
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static <T> T await(CompletableFuture<T> f, int seconds, String what) throws Exception {
        try {
            return f.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException("no reply to " + what + " within " + seconds + " s");
            t.initCause(e);
            throw t;
        }
    }

    private static long percentile(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
