package dev.tandem.cli;

import static dev.tandem.cli.ProcessTests.WAIT;
import static dev.tandem.cli.ProcessTests.json;
import static dev.tandem.cli.ProcessTests.lastJson;
import static dev.tandem.cli.ProcessTests.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as a user runs them while `tandem up` runs for both data directories: every command is a
 * child process that hands its work to the daemon over the control channel; real QUIC (kwik) on loopback.
 */
@Timeout(120)
class DaemonProcessTest {
    @TempDir
    static Path dir;
    static Path alice;
    static Path bob;
    static TandemProcess aliceUp;
    static TandemProcess bobUp;

    @BeforeAll
    static void twoDaemonsPairedThroughTheirControlChannels() throws Exception {
        alice = dir.resolve("alice");
        bob = dir.resolve("bob");
        aliceUp = TandemProcess.start(node("up", alice, "--port", "0", "--name", "alice"));
        bobUp = TandemProcess.start(node("up", bob, "--port", "0", "--name", "bob"));
        for (TandemProcess up : new TandemProcess[] {aliceUp, bobUp}) {
            JsonNode event = json(up.awaitLine(l -> l.contains("\"up\""), WAIT));
            assertEquals("kwik", event.get("transport").asText());
        }
        ProcessTests.pair(alice, "alice", bob, "bob");
    }

    @AfterAll
    static void stopDaemons() throws InterruptedException {
        for (TandemProcess up : new TandemProcess[] {aliceUp, bobUp}) {
            if (up != null) {
                up.close();
            }
        }
    }

    @Test
    void pairingWentThroughTheDaemonsAndIsListedAsJson() throws Exception {
        // The daemons' own nodes paired: both report the new device as an event.
        aliceUp.awaitLine(l -> l.contains("DeviceStateChanged") && l.contains("PAIRED"), WAIT);
        bobUp.awaitLine(l -> l.contains("DeviceStateChanged") && l.contains("PAIRED"), WAIT);
        CliRunner.Result devices = CliRunner.child("devices", "--json", "--data-dir", alice.toString());
        assertEquals(0, devices.exit(), devices.err());
        JsonNode bobSeen = json(devices.out().strip());
        assertEquals("bob", bobSeen.get("name").asText());
        assertEquals("PAIRED", bobSeen.get("state").asText());
    }

    @Test
    void msgThroughTheDaemon() throws Exception {
        CliRunner.Result r = CliRunner.child(node("msg", alice, "bob", "hello", "bob"));
        assertEquals(0, r.exit(), r.err());
        JsonNode sent = lastJson(r);
        assertEquals("bob", sent.get("name").asText());
        assertTrue(sent.get("roundTripMs").asDouble() > 0, r.out());
        JsonNode got = json(bobUp.awaitLine(l -> l.contains("MessageReceived"), WAIT));
        assertTrue(got.get("text").asText().endsWith("hello bob"), got.toString());
    }

    @Test
    void sendThroughTheDaemon() throws Exception {
        Path file = dir.resolve("report.bin");
        String sha = ProcessTests.randomFile(file, 1 << 20, 7);
        CliRunner.Result r = CliRunner.child(node("send", alice, "bob", file.toString()));
        ProcessTests.assertSent(r, file, sha, bob);
        // The daemon sent it: its own node reports the finished transfer.
        aliceUp.awaitLine(l -> l.contains("TransferFinished") && l.contains("complete"), WAIT);
    }
}
