package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.filetransfer.FileTransfer;
import dev.tandem.filetransfer.TransferResult;
import dev.tandem.messaging.Messaging;
import dev.tandem.pairing.Pairing;
import dev.tandem.pairing.PairingSession;
import dev.tandem.testkit.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole nodes, one on kwik and one on Netty, in both roles: they pair (the Netty or the kwik node initiating),
 * exchange messages both ways over the pairing they made, and move a 256 MiB file byte-identical from the
 * initiator to the joiner. Real UDP on loopback.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CrossTransportNodeTest {
    private static final long FILE_BYTES = 256L << 20;
    private static final long WAIT = 30;

    public record Ping(int n, String text) { }

    public record Pong(int n) { }

    @TempDir
    Path dir;
    private final List<TandemNode> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(TandemNode::close);
    }

    private TandemNode node(String name, String transport) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        TandemNode n = TandemNode.builder().dataDir(d).transport(transport).bindHost("127.0.0.1")
                .deviceInfo(TestNodes.info(name)).option("discovery.lan", "false").build().start();
        nodes.add(n);
        assertEquals(transport, n.transportName());
        Messaging.of(n).register("test.ping", Ping.class).register("test.pong", Pong.class);
        return n;
    }

    @ParameterizedTest(name = "{0} initiator, {1} joiner")
    @CsvSource({"netty, kwik", "kwik, netty"})
    void pairMessageAndTransferAcrossTransports(String initiatorTransport, String joinerTransport) throws Exception {
        TandemNode alice = node("alice", initiatorTransport);
        TandemNode bob = node("bob", joinerTransport);

        // pair: bob dials alice with the pairing link
        PairingSession s = Pairing.of(alice).startAsInitiator();
        Device onBob = Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
        Device onAlice = s.result().get(WAIT, TimeUnit.SECONDS);
        assertEquals(alice.id(), onBob.id());
        assertEquals(bob.id(), onAlice.id());
        assertTrue(alice.devices().get(bob.id()).orElseThrow().state().isPaired());
        assertTrue(bob.devices().get(alice.id()).orElseThrow().state().isPaired());

        // message both ways
        Messaging.of(bob).onRequest(Ping.class, (from, p) -> new Pong(p.n() * 2));
        assertEquals(new Pong(42), Messaging.of(alice).request(bob.id(), new Ping(21, "hi"), Pong.class)
                .get(WAIT, TimeUnit.SECONDS));
        BlockingQueue<Ping> got = new LinkedBlockingQueue<>();
        Messaging.of(alice).onMessage(Ping.class, (from, p) -> got.add(p));
        Messaging.of(bob).send(alice.id(), new Ping(7, "back")).get(WAIT, TimeUnit.SECONDS);
        assertEquals(new Ping(7, "back"), got.poll(WAIT, TimeUnit.SECONDS));

        // 256 MiB, alice to bob
        Path src = randomFile(dir.resolve("src/big.bin"), FILE_BYTES);
        TransferResult r = FileTransfer.of(alice).send(bob.id(), List.of(src)).result().get(240, TimeUnit.SECONDS);
        Path dst = bob.dataDir().resolve("inbox").resolve("alice").resolve("big.bin");
        String want = sha256(src);
        assertEquals(want, r.files().get(0).sha256());
        assertEquals(want, sha256(dst));
        assertEquals(FILE_BYTES, Files.size(dst));
    }

    private static Path randomFile(Path p, long size) throws IOException {
        Files.createDirectories(p.getParent());
        Random r = new Random(size);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return p;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
