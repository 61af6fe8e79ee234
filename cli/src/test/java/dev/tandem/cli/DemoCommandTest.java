package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `tandem demo` as a user runs it: a child process that starts two more, over real QUIC on loopback. */
@Timeout(180)
class DemoCommandTest {
    @TempDir
    Path tmp;

    /** The demo's temporary directories go under {@link #tmp}, so the test sees that they are gone afterwards. */
    private TandemProcess demo(String... args) throws Exception {
        return TandemProcess.start(List.of("-Djava.io.tmpdir=" + tmp), args);
    }

    @Test
    void demoPairsMessagesSendsVerifiesAndCleansUp() throws Exception {
        CliRunner.Result r;
        try (TandemProcess p = demo("demo", "--size", "8MiB", "--json", "--transport", "kwik")) {
            r = p.awaitExit(Duration.ofSeconds(150));
        }
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(1, lines.length, "one JSON object: " + r.out());
        JsonNode n = ProcessTests.json(lines[0]);
        assertTrue(n.get("ok").asBoolean() && n.get("verified").asBoolean(), r.out());
        assertTrue(n.get("sha256").asText().matches("[0-9a-f]{64}"), r.out());
        assertEquals(8L << 20, n.get("bytes").asLong());
        assertEquals("kwik", n.get("transport").asText());
        assertEquals("direct", n.get("path").asText());
        assertEquals(12, n.get("code").size());
        assertTrue(n.get("pairMs").asDouble() > 0 && n.get("messageRoundTripMs").asDouble() > 0, r.out());
        assertNoLeftovers();
    }

    @Test
    void aFailingNodeFailsTheDemoWithTheReasonAndCleansUp() throws Exception {
        CliRunner.Result r;
        try (TandemProcess p = demo("demo", "--size", "1MiB", "--transport", "no-such-transport")) {
            r = p.awaitExit(Duration.ofSeconds(60));
        }
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.err().contains("demo node demo-a") && r.err().contains("stopped"), r.err());
        assertTrue(r.err().contains("no-such-transport"), "the node's own error is shown: " + r.err());
        assertNoLeftovers();
    }

    private void assertNoLeftovers() throws Exception {
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("tandem-demo")).toList());
        }
    }
}
