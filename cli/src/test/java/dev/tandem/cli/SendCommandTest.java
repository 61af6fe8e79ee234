package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.device.PairSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `tandem send` to a paired peer (in-memory transport, one JVM): the file lands verified in its inbox. */
@Timeout(90)
class SendCommandTest {
    @TempDir
    Path dir;

    @Test
    void sendsAFileAndPrintsItsHash() throws Exception {
        Path home = dir.resolve("home");
        NodeId self = NetworkIdentity.loadOrCreate(home.resolve(NetworkIdentity.KEY_FILE)).nodeId();
        try (TandemNode peer = TandemNode.builder().dataDir(dir.resolve("peer")).transport("memory")
                .deviceInfo(new DeviceInfo("laptop", "test", "0")).build().start()) {
            byte[] secret = new byte[32];
            new Random(1).nextBytes(secret);
            DeviceRegistry mine = DeviceRegistry.open(home.resolve(DeviceRegistry.FILE));
            mine.discovered(peer.id(), peer.addr().directAddresses());
            mine.beginPairing(peer.id());
            mine.completePairing(peer.id(), new DeviceInfo("laptop", "test", "0"), new PairSecret(secret));
            peer.devices().discovered(self, java.util.List.of());
            peer.devices().beginPairing(self);
            peer.devices().completePairing(self, new DeviceInfo("home", "test", "0"), new PairSecret(secret));

            byte[] content = new byte[3 << 20];
            new Random(2).nextBytes(content);
            Path file = dir.resolve("photo.jpg");
            Files.write(file, content);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));

            CliRunner.Result r = CliRunner.inProcess("send", "--json", "--transport", "memory", "--port", "0",
                    "--data-dir", home.toString(), "laptop", file.toString());
            assertEquals(0, r.exit(), r.err());
            String[] lines = r.out().strip().split("\n");
            JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals("sent", last.get("event").asText());
            assertEquals(sha, last.get("files").get(0).get("sha256").asText());
            assertTrue(new ObjectMapper().readTree(lines[0]).get("event").asText().equals("progress"), lines[0]);

            Path received = dir.resolve("peer").resolve("inbox").resolve("home").resolve("photo.jpg");
            assertArrayEquals(content, Files.readAllBytes(received));

            CliRunner.Result human = CliRunner.inProcess("send", "--quiet", "--transport", "memory", "--port", "0",
                    "--data-dir", home.toString(), "laptop", file.toString());
            assertEquals(0, human.exit(), human.err());
            assertTrue(human.out().contains("SHA-256 " + sha), human.out());

            CliRunner.Result missing = CliRunner.inProcess("send", "--transport", "memory", "--data-dir",
                    home.toString(), "laptop", dir.resolve("nope").toString());
            assertEquals(ExitCodes.USAGE, missing.exit());
        }
    }
}
