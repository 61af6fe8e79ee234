package dev.tandem.pairing;

import dev.tandem.core.TandemNode;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * "Code entered to both PAIRED": the time from {@code join(link)} to both sides' futures completing, over
 * {@code runs} pairings of the same two running nodes (the pair is dropped between runs). Library code for
 * {@code tandem bench pairing}; it prints nothing.
 */
public final class PairingBench {
    /** Percentiles of one measurement. */
    public record Result(int runs, Duration p50, Duration p90, Duration min, Duration max) { }

    private PairingBench() {
    }

    /** Pairs {@code b} with {@code a} {@code runs} times, after a few unmeasured warm-up pairings. */
    public static Result run(TandemNode a, TandemNode b, int runs) throws Exception {
        measure(a, b, Math.min(10, runs));
        long[] t = measure(a, b, runs);
        return new Result(runs, Duration.ofNanos(t[runs / 2]), Duration.ofNanos(t[(int) (runs * 0.9)]),
                Duration.ofNanos(t[0]), Duration.ofNanos(t[runs - 1]));
    }

    private static long[] measure(TandemNode a, TandemNode b, int runs) throws Exception {
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            PairingSession s = Pairing.of(a).startAsInitiator();
            URI link = s.uri();
            long t0 = System.nanoTime();
            CompletableFuture<?> j = Pairing.of(b).join(link);
            CompletableFuture.allOf(j, s.result()).get(30, TimeUnit.SECONDS);
            t[i] = System.nanoTime() - t0;
            a.devices().revoke(b.id());
            b.devices().revoke(a.id());
        }
        Arrays.sort(t);
        return t;
    }
}
