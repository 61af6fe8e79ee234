package dev.tandem.filetransfer;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.PairSecret;
import dev.tandem.testkit.InMemoryNetwork;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of the child JVMs used by {@link ProcessKillResumeTest} and {@link MemoryBoundTest}. Talks to
 * the parent with lines: it prints READY/PROGRESS/DONE/FAILED on stdout and reads TRUST/GO on stdin.
 *
 * <ul>
 *   <li>{@code pair <dirA> <dirB> <file> <rate>}: both nodes in this JVM on the in-memory transport
 *       (restartable: identities and pairings live in the data dirs); A sends the file to B.</li>
 *   <li>{@code receiver <dir> <secretHex>} / {@code sender <dir> <secretHex> <file> <rate>}: one node on the
 *       transport named by {@code tandem.test.transport} (e.g. kwik), for cross-process tests.</li>
 *   <li>{@code memory <dir> <bytes>}: moves a generated file between two in-memory nodes and reports the
 *       peak heap, to run under a small -Xmx.</li>
 *   <li>{@code folder <dir> <files> <bytesEach>}: the same for a folder of generated files, each large enough to
 *       get its own read-ahead, hashing and writing threads and buffers.</li>
 * </ul>
 */
public final class ChildMain {
    private static final PrintStream OUT = System.out;

    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "pair" -> pair(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Long.parseLong(args[4]));
                case "receiver" -> receiver(Path.of(args[1]), args[2]);
                case "sender" -> sender(Path.of(args[1]), args[2], Path.of(args[3]), Long.parseLong(args[4]));
                case "memory" -> memory(Path.of(args[1]), Long.parseLong(args[2]));
                case "folder" -> folder(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (Exception e) {
            OUT.println("FAILED " + e);
            e.printStackTrace(OUT);
            OUT.flush();
            System.exit(2);
        }
        System.exit(0);
    }

    private static TandemNode memoryNode(InMemoryNetwork net, Path dir, String name, String... options) throws Exception {
        Files.createDirectories(dir);
        NetworkIdentity id = NetworkIdentity.loadOrCreate(dir.resolve(NetworkIdentity.KEY_FILE));
        TandemNode.Builder b = TandemNode.builder().dataDir(dir).identity(id).transport(net.newTransport(id))
                .bindHost("127.0.0.1").deviceInfo(new DeviceInfo(name, "test", "0"))
                .option("filetransfer.checkpointBytes", String.valueOf(2 << 20))
                .option("filetransfer.checkpointMillis", "200");
        for (int i = 0; i + 1 < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        return b.build().start();
    }

    private static void trust(TandemNode a, NodeId peer, List<InetSocketAddress> addrs, String name, PairSecret s) {
        if (a.devices().isPaired(peer)) {
            a.devices().discovered(peer, addrs);
            return;
        }
        a.devices().discovered(peer, addrs);
        a.devices().beginPairing(peer);
        a.devices().completePairing(peer, new DeviceInfo(name, "test", "0"), s);
    }

    private static void reportProgress(TandemNode n) {
        n.events().subscribe(TransferProgress.class, p -> {
            if (p.direction() == Direction.RECEIVE) {
                OUT.println("PROGRESS " + p.bytesDone() + " " + p.bytesTotal());
                OUT.flush();
            }
        });
    }

    private static void done(TransferResult r) {
        OUT.println("DONE sent=" + r.bytesSent() + " resumed=" + r.bytesResumed() + " total=" + r.totalBytes()
                + " attempts=" + r.attempts() + " sha=" + r.files().get(0).sha256());
        OUT.flush();
    }

    private static void pair(Path dirA, Path dirB, Path file, long rate) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = memoryNode(net, dirA, "a"); TandemNode b = memoryNode(net, dirB, "b")) {
            PairSecret s = new PairSecret(HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
            trust(a, b.id(), b.addr().directAddresses(), "b", s);
            trust(b, a.id(), a.addr().directAddresses(), "a", s);
            reportProgress(b);
            FileTransfer.of(a).maxBytesPerSecond(rate);
            done(FileTransfer.of(a).send(b.id(), List.of(file)).result().get(5, TimeUnit.MINUTES));
        }
    }

    private static TandemNode realNode(Path dir, String name) throws Exception {
        String transport = System.getProperty("tandem.test.transport", "kwik");
        return TandemNode.builder().dataDir(dir).transport(transport).bindHost("127.0.0.1")
                .deviceInfo(new DeviceInfo(name, "test", "0"))
                .option("filetransfer.checkpointBytes", String.valueOf(2 << 20))
                .option("filetransfer.checkpointMillis", "200")
                .option("filetransfer.retryBaseMillis", "100").build().start();
    }

    private static void ready(TandemNode n) {
        NodeAddr a = n.addr();
        InetSocketAddress d = a.directAddresses().get(0);
        OUT.println("READY " + n.id().toHex() + " " + d.getHostString() + ":" + d.getPort());
        OUT.flush();
    }

    /** Reads "TRUST id host:port" lines until "GO" (or stdin ends). */
    private static void commands(TandemNode n, PairSecret s, String peerName, Runnable onGo) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.trim().split(" ");
            if (p[0].equals("TRUST")) {
                String[] hp = p[2].split(":");
                trust(n, NodeId.parse(p[1]), List.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))), peerName, s);
                OUT.println("TRUSTED");
                OUT.flush();
            } else if (p[0].equals("GO")) {
                onGo.run();
            } else if (p[0].equals("EXIT")) {
                return;
            }
        }
    }

    private static void receiver(Path dir, String secretHex) throws Exception {
        try (TandemNode n = realNode(dir, "receiver")) {
            reportProgress(n);
            FileTransfer.of(n).onIncoming(t -> t.result().whenComplete((r, e) -> {
                if (r != null) {
                    done(r);
                }
            }));
            ready(n);
            commands(n, new PairSecret(HexFormat.of().parseHex(secretHex)), "sender", () -> { });
        }
    }

    private static void sender(Path dir, String secretHex, Path file, long rate) throws Exception {
        try (TandemNode n = realNode(dir, "sender")) {
            ready(n);
            FileTransfer.of(n).maxBytesPerSecond(rate);
            java.util.concurrent.atomic.AtomicReference<NodeId> peer = new java.util.concurrent.atomic.AtomicReference<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PairSecret s = new PairSecret(HexFormat.of().parseHex(secretHex));
            for (String line; (line = in.readLine()) != null; ) {
                String[] p = line.trim().split(" ");
                if (p[0].equals("TRUST")) {
                    String[] hp = p[2].split(":");
                    peer.set(NodeId.parse(p[1]));
                    trust(n, peer.get(), List.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))), "receiver", s);
                    OUT.println("TRUSTED");
                    OUT.flush();
                } else if (p[0].equals("GO")) {
                    Transfer t = FileTransfer.of(n).send(java.util.Objects.requireNonNull(peer.get(), "TRUST first"), List.of(file));
                    t.result().whenComplete((r, e) -> {
                        if (r != null) {
                            done(r);
                        } else {
                            OUT.println("FAILED " + e);
                            OUT.flush();
                        }
                    });
                } else if (p[0].equals("EXIT")) {
                    return;
                }
            }
        }
    }

    private static void memory(Path dir, long bytes) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = memoryNode(net, dir.resolve("a"), "a"); TandemNode b = memoryNode(net, dir.resolve("b"), "b")) {
            PairSecret s = new PairSecret(new byte[32]);
            trust(a, b.id(), b.addr().directAddresses(), "b", s);
            trust(b, a.id(), a.addr().directAddresses(), "a", s);
            List<TransferBench.Run> runs = TransferBench.run(a, b, dir.resolve("work"), bytes, 1);
            if (!runs.get(0).ok()) {
                throw new IllegalStateException("transfer failed: " + runs.get(0).error());
            }
            long maxHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            OUT.println("MEMORY bytes=" + bytes + " maxHeap=" + maxHeap + " peakHeap=" + runs.get(0).peakHeapBytes()
                    + " mbps=" + (long) runs.get(0).megabytesPerSecond() + " cpuPerGiB=" + runs.get(0).cpuSecondsPerGiB()
                    + " poolPeak=" + peak);
            OUT.flush();
        }
    }

    private static void folder(Path dir, int files, int bytesEach) throws Exception {
        Path src = dir.resolve("work/folder");
        Files.createDirectories(src);
        java.util.Random r = new java.util.Random(5);
        byte[] data = new byte[bytesEach];
        for (int i = 0; i < files; i++) {
            r.nextBytes(data);
            Files.write(src.resolve("f" + i + ".bin"), data);
        }
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = memoryNode(net, dir.resolve("a"), "a"); TandemNode b = memoryNode(net, dir.resolve("b"), "b")) {
            PairSecret s = new PairSecret(new byte[32]);
            trust(a, b.id(), b.addr().directAddresses(), "b", s);
            trust(b, a.id(), a.addr().directAddresses(), "a", s);
            Path received = dir.resolve("work/received");
            FileTransfer.of(b).receivePolicy(o -> ReceivePolicy.Decision.accept(received));
            long t0 = System.nanoTime();
            TransferResult result = FileTransfer.of(a).send(b.id(), List.of(src)).result().get(10, TimeUnit.MINUTES);
            double secs = (System.nanoTime() - t0) / 1e9;
            long arrived;
            try (java.util.stream.Stream<Path> w = Files.walk(received)) {
                arrived = w.filter(Files::isRegularFile).count();
            }
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            OUT.println("FOLDER files=" + result.files().size() + " arrived=" + arrived + " bytes=" + result.totalBytes()
                    + " filesPerSecond=" + (long) (files / secs) + " poolPeak=" + peak);
            OUT.flush();
        }
    }
}
