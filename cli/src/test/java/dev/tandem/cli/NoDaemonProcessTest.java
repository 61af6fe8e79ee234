package dev.tandem.cli;

import static dev.tandem.cli.ProcessTests.WAIT;
import static dev.tandem.cli.ProcessTests.json;
import static dev.tandem.cli.ProcessTests.lastJson;
import static dev.tandem.cli.ProcessTests.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.device.PairSecret;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as a user runs them with no `tandem up` for their data directory: each child process starts a
 * node for as long as it takes (real QUIC, kwik, on loopback). Carol never runs a daemon; dave pairs without
 * one, then runs `tandem up` to receive.
 */
@Timeout(120)
class NoDaemonProcessTest {
    @TempDir
    static Path dir;
    static Path carol;
    static Path dave;
    static TandemProcess daveUp;
    static final NodeId TWIN_1 = NetworkIdentity.generate().nodeId();
    static final NodeId TWIN_2 = NetworkIdentity.generate().nodeId();

    @BeforeAll
    static void pairedWithoutDaemonsThenDaveGoesUp() throws Exception {
        carol = dir.resolve("carol");
        dave = dir.resolve("dave");
        // Dave must be found again after pairing: his node comes back on the port it paired from.
        String port = String.valueOf(ProcessTests.freeUdpPort());
        ProcessTests.pair(carol, "carol", dave, "dave", "--port", port);
        daveUp = TandemProcess.start(node("up", dave, "--port", port, "--name", "dave"));
        daveUp.awaitLine(l -> l.contains("\"up\""), WAIT);

        // Devices paired earlier that are now away: two with one name, one that is off.
        DeviceRegistry r = DeviceRegistry.open(carol.resolve(DeviceRegistry.FILE));
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), ProcessTests.freeUdpPort());
        trust(r, TWIN_1, "twin", nobody);
        trust(r, TWIN_2, "twin", nobody);
        trust(r, NetworkIdentity.generate().nodeId(), "phone", nobody);
    }

    private static void trust(DeviceRegistry r, NodeId id, String name, InetSocketAddress addr) {
        r.discovered(id, List.of(addr));
        r.beginPairing(id);
        r.completePairing(id, new DeviceInfo(name, "test", "0"), new PairSecret(new byte[32]));
    }

    @AfterAll
    static void stopDave() throws InterruptedException {
        if (daveUp != null) {
            daveUp.close();
        }
    }

    @Test
    void msgWithItsOwnNode() throws Exception {
        CliRunner.Result r = CliRunner.child(node("msg", carol, "--no-daemon", "--port", "0", "dave", "hi", "dave"));
        assertEquals(0, r.exit(), r.err());
        assertEquals("dave", lastJson(r).get("name").asText());
        JsonNode got = json(daveUp.awaitLine(l -> l.contains("MessageReceived") && l.contains("hi dave"), WAIT));
        assertEquals("MessageReceived", got.get("event").asText());
    }

    @Test
    void sendWithItsOwnNode() throws Exception {
        Path file = dir.resolve("notes.bin");
        String sha = ProcessTests.randomFile(file, 1 << 20, 11);
        // No --no-daemon: no daemon runs for carol, so the command runs its own node anyway.
        ProcessTests.assertSent(CliRunner.child(node("send", carol, "--port", "0", "--quiet", "dave",
                file.toString())), file, sha, dave);
    }

    @Test
    void anAmbiguousNameListsTheCandidates() throws Exception {
        CliRunner.Result r = CliRunner.child(node("msg", carol, "--port", "0", "twin", "hi"));
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("'twin' matches 2 devices"), r.err());
        assertTrue(r.err().contains(TWIN_1.toHex().substring(0, 16)) && r.err().contains(TWIN_2.toHex().substring(0, 16)),
                r.err());
    }

    @Test
    void anOfflineDeviceGetsAdvice() throws Exception {
        CliRunner.Result r = CliRunner.child(node("msg", carol, "--port", "0", "phone", "are you there?"));
        assertEquals(ExitCodes.FAILED, r.exit(), r.err());
        assertTrue(r.err().contains("device 'phone' is offline") && r.err().contains("is `tandem up` running there?"),
                r.err());
    }
}
