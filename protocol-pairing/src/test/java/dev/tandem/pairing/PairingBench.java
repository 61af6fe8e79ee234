package dev.tandem.pairing;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * "Code entered to both PAIRED": time from {@code join(link)} to both sides' futures completing, over
 * {@code runs} pairings of the same two nodes (the pair is dropped between runs). Run with
 * {@code java -cp <test class path> dev.tandem.pairing.PairingBench [runs]}. A QUIC variant passes its own
 * node factory to {@link #measure}.
 */
public final class PairingBench {
    private PairingBench() {
    }

    /** Nanosecond timings of each run, sorted. */
    public static long[] measure(TandemNode a, TandemNode b, int runs) throws Exception {
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

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Path dir = Files.createTempDirectory("tandem-bench");
        InMemoryNetwork net = new InMemoryNetwork();
        BiFunction<String, Path, TandemNode> node = (name, d) -> {
            try {
                return TestNodes.builder(net, d).deviceInfo(TestNodes.info(name)).option("discovery.lan", "false")
                        .build().start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (TandemNode a = node.apply("a", dir.resolve("a")); TandemNode b = node.apply("b", dir.resolve("b"))) {
            measure(a, b, 10); // warm-up
            long[] t = measure(a, b, runs);
            System.out.printf("in-memory, %d runs: p50 %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms%n", runs,
                    t[runs / 2] / 1e6, t[(int) (runs * 0.9)] / 1e6, t[0] / 1e6, t[runs - 1] / 1e6);
        }
    }
}
