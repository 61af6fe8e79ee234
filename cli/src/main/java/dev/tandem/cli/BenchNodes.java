package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.PairSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Two nodes in this process on loopback, trusting each other, in a throwaway directory: for benchmarks. */
final class BenchNodes implements AutoCloseable {
    final TandemNode a;
    final TandemNode b;
    private final Path dir;

    /** Two nodes; with {@code paired} they already trust each other (LAN discovery is off either way). */
    BenchNodes(String transport, boolean paired) throws IOException {
        this(transport, paired, Map.of());
    }

    /** As above, with node options (transport and protocol keys such as {@code filetransfer.chunkSize}) on both. */
    BenchNodes(String transport, boolean paired, Map<String, String> options) throws IOException {
        dir = Files.createTempDirectory("tandem-bench");
        a = start(dir.resolve("a"), transport, "bench-a", options);
        TandemNode second;
        try {
            second = start(dir.resolve("b"), transport, "bench-b", options);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        b = second;
        if (paired) {
            byte[] s = new byte[32];
            new SecureRandom().nextBytes(s);
            trust(a, b, new PairSecret(s));
            trust(b, a, new PairSecret(s));
        }
    }

    private static TandemNode start(Path dataDir, String transport, String name, Map<String, String> options)
            throws IOException {
        TandemNode.Builder builder = TandemNode.builder().dataDir(dataDir).bindHost("127.0.0.1").port(0)
                .deviceInfo(new DeviceInfo(name, "bench", TandemCommand.version()));
        options.forEach(builder::option);
        builder.option("discovery.lan", "false");
        if (transport != null) {
            builder.transport(transport);
        }
        return builder.build().start();
    }

    private static void trust(TandemNode x, TandemNode y, PairSecret secret) {
        x.devices().discovered(y.id(), y.addr().directAddresses());
        x.devices().beginPairing(y.id());
        x.devices().completePairing(y.id(), y.deviceInfo(), secret);
    }

    @Override
    public void close() throws IOException {
        a.close();
        b.close();
        deleteTree(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
