package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.device.PairSecret;
import dev.tandem.messaging.Chat;
import dev.tandem.messaging.Messaging;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `tandem up` and the commands that go through it: a daemon in this JVM on the in-memory transport, a
 * peer node beside it, and commands run as a user would type them, talking to the daemon over its real
 * loopback control channel.
 */
@Timeout(90)
class DaemonTest {
    @TempDir
    Path dir;
    private Path home;
    private TandemNode peer;
    private final BlockingQueue<String> daemonLines = new LinkedBlockingQueue<>();
    private CompletableFuture<Integer> daemon;
    private final BlockingQueue<Chat> peerInbox = new LinkedBlockingQueue<>();

    @BeforeEach
    void daemonWithOnePairedPeer() throws Exception {
        home = dir.resolve("home");
        NodeId self = NetworkIdentity.loadOrCreate(home.resolve(NetworkIdentity.KEY_FILE)).nodeId();
        peer = TandemNode.builder().dataDir(dir.resolve("peer")).transport("memory")
                .deviceInfo(new DeviceInfo("laptop", "test", "0")).build().start();
        Messaging.of(peer).onMessage(Chat.class, (from, c) -> peerInbox.add(c));
        byte[] secret = new byte[32];
        DeviceRegistry mine = DeviceRegistry.open(home.resolve(DeviceRegistry.FILE));
        trust(mine, peer.id(), "laptop", peer.addr().directAddresses(), secret);
        trust(peer.devices(), self, "home", List.of(), secret);

        daemon = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(new LineSink(daemonLines::add), true),
                new PrintWriter(new StringWriter(), true), "up", "--transport", "memory", "--port", "0",
                "--data-dir", home.toString(), "--json"));
        JsonNode up = new ObjectMapper().readTree(nextLine());
        assertEquals("up", up.get("event").asText());
        assertEquals(self.toHex(), up.get("nodeId").asText());
        assertEquals("memory", up.get("transport").asText());
        assertTrue(Files.exists(home.resolve(Control.FILE)));
    }

    private static void trust(DeviceRegistry r, NodeId id, String name, List<InetSocketAddress> addrs, byte[] secret) {
        r.discovered(id, addrs);
        r.beginPairing(id);
        r.completePairing(id, new DeviceInfo(name, "test", "0"), new PairSecret(secret));
    }

    private String nextLine() throws InterruptedException {
        String l = daemonLines.poll(30, TimeUnit.SECONDS);
        assertNotNull(l, "the daemon printed nothing");
        return l;
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null && !daemon.isDone()) {
            CliRunner.inProcess("down", "--data-dir", home.toString());
            daemon.get(30, TimeUnit.SECONDS);
        }
        peer.close();
    }

    @Test
    void msgGoesThroughTheRunningDaemon() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("msg", "--data-dir", home.toString(), "laptop", "hello", "there");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("sent to laptop"), r.out());
        assertEquals(new Chat("hello there"), peerInbox.poll(20, TimeUnit.SECONDS));
        // It was the daemon's node that sent it: the daemon saw the connection come up.
        String line;
        do {
            line = nextLine();
        } while (!line.contains("ConnectionEstablished"));
    }

    @Test
    void incomingMessagesShowInTheDaemon() throws Exception {
        NodeId home = peer.devices().all().get(0).id();
        Messaging.of(peer).send(home, new Chat("ping from the laptop")).get(20, TimeUnit.SECONDS);
        String line;
        do {
            line = nextLine();
        } while (!line.contains("MessageReceived"));
        JsonNode n = new ObjectMapper().readTree(line);
        assertTrue(n.get("text").asText().endsWith("ping from the laptop"), line);
    }

    @Test
    void deviceErrorsReadLikeAdvice() throws Exception {
        CliRunner.Result unknown = CliRunner.inProcess("msg", "--data-dir", home.toString(), "phone", "hi");
        assertEquals(ExitCodes.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("no device called 'phone'") && unknown.err().contains("laptop"), unknown.err());

        peer.close(); // the laptop goes away
        CliRunner.Result offline = CliRunner.inProcess("msg", "--data-dir", home.toString(), "laptop", "hi");
        assertEquals(ExitCodes.FAILED, offline.exit());
        assertTrue(offline.err().contains("device 'laptop' is offline") && offline.err().contains("tandem up"),
                offline.err());
    }

    @Test
    void aWrongTokenIsRefused() throws Exception {
        Path fake = dir.resolve("fake");
        Files.createDirectories(fake);
        Control.Endpoint real = Control.read(home).orElseThrow();
        Control.publish(fake, new Control.Endpoint(real.port(), "00".repeat(32), real.pid()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Control.forward(fake, List.of("down"), new PrintWriter(out, true), new PrintWriter(err, true))
                .orElseThrow();
        assertEquals(ExitCodes.FAILED, exit);
        assertTrue(err.toString().contains("not authorised"), err.toString());
        assertFalse(daemon.isDone(), "the daemon keeps running");
    }

    @Test
    void downStopsTheDaemonAndRemovesItsControlFile() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("down", "--data-dir", home.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, daemon.get(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(home.resolve(Control.FILE)));
        CliRunner.Result again = CliRunner.inProcess("down", "--data-dir", home.toString(), "--transport", "memory");
        assertEquals(ExitCodes.FAILED, again.exit());
        assertTrue(again.err().contains("not running"), again.err());
    }

    @Test
    void withoutADaemonACommandRunsItsOwnNode() throws Exception {
        CliRunner.inProcess("down", "--data-dir", home.toString());
        daemon.get(30, TimeUnit.SECONDS);
        CliRunner.Result r = CliRunner.inProcess("msg", "--data-dir", home.toString(), "--transport", "memory",
                "laptop", "direct");
        assertEquals(0, r.exit(), r.err());
        assertEquals(new Chat("direct"), peerInbox.poll(20, TimeUnit.SECONDS));
    }

}
