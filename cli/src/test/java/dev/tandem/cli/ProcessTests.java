package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Shared by the tests that run {@code tandem} as child processes over real QUIC on loopback. */
final class ProcessTests {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);

    private ProcessTests() {
    }

    /** {@code command --json --data-dir dir} plus the options that keep a node on loopback QUIC, then {@code rest}. */
    static String[] node(String command, Path dir, String... rest) {
        List<String> a = new ArrayList<>(List.of(command, "--json", "--data-dir", dir.toString(), "--transport", "kwik",
                "--bind", "127.0.0.1", "--no-lan"));
        a.addAll(List.of(rest));
        return a.toArray(String[]::new);
    }

    static JsonNode json(String line) throws IOException {
        return JSON.readTree(line);
    }

    /** The last line a command printed, as JSON (its result; earlier lines are progress). */
    static JsonNode lastJson(CliRunner.Result r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** A UDP port free at this moment on loopback, for a node that must come back on the same port. */
    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Writes a random file; returns its SHA-256 (hex). */
    static String randomFile(Path file, int size, long seed) throws IOException, NoSuchAlgorithmException {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Files.write(file, content);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    /** Checks a {@code send --json} result and that the file arrived byte for byte in the receiver's inbox. */
    static void assertSent(CliRunner.Result r, Path file, String sha, Path receiverDir) throws IOException {
        assertEquals(0, r.exit(), r.err());
        JsonNode sent = lastJson(r);
        assertEquals("sent", sent.get("event").asText(), r.out());
        assertEquals(sha, sent.get("files").get(0).get("sha256").asText());
        try (var s = Files.walk(receiverDir.resolve("inbox"))) {
            Path got = s.filter(p -> p.getFileName().equals(file.getFileName())).findFirst().orElseThrow(
                    () -> new AssertionError(file.getFileName() + " is not in " + receiverDir.resolve("inbox")));
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(got));
        }
    }

    /** Pairs the nodes of two data directories with `tandem pair` and `tandem join`; {@code extra} go to both. */
    static void pair(Path initiator, String initiatorName, Path joiner, String joinerName, String... joinerExtra)
            throws Exception {
        try (TandemProcess pair = TandemProcess.start(node("pair", initiator, "--port", "0", "--name", initiatorName))) {
            JsonNode code = json(pair.awaitLine(l -> l.contains("\"code\""), WAIT));
            assertEquals(12, code.get("words").size());
            List<String> join = new ArrayList<>(List.of(node("join", joiner, "--name", joinerName)));
            join.addAll(List.of(joinerExtra));
            join.add(code.get("uri").asText());
            CliRunner.Result joined = CliRunner.child(join.toArray(String[]::new));
            assertEquals(0, joined.exit(), joined.err());
            assertEquals(initiatorName, lastJson(joined).get("name").asText(), joined.out());
            CliRunner.Result paired = pair.awaitExit(WAIT);
            assertEquals(0, paired.exit(), paired.err());
            JsonNode p = lastJson(paired);
            assertEquals("paired", p.get("event").asText());
            assertEquals(joinerName, p.get("name").asText());
        }
    }
}
