package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** pair, join, devices and revoke as a user runs them (in-memory transport, one JVM). */
@Timeout(90)
class PairingCommandsTest {
    @TempDir
    Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void pairJoinListAndRevoke() throws Exception {
        Path alice = dir.resolve("alice");
        Path bob = dir.resolve("bob");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Writer sink = new LineSink(lines::add);
        CompletableFuture<Integer> pair = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(sink, true),
                new PrintWriter(new StringWriter(), true), "pair", "--json", "--transport", "memory", "--port", "0",
                "--name", "alice", "--data-dir", alice.toString()));
        String codeLine = lines.poll(30, TimeUnit.SECONDS);
        assertNotNull(codeLine, "pair printed no code");
        JsonNode code = JSON.readTree(codeLine);
        assertEquals(12, code.get("words").size());
        String uri = code.get("uri").asText();
        assertTrue(uri.startsWith("tandem:"), uri);

        CliRunner.Result joined = CliRunner.inProcess("join", "--json", "--transport", "memory", "--port", "0",
                "--name", "bob", "--data-dir", bob.toString(), uri);
        assertEquals(0, joined.exit(), joined.err());
        assertEquals("alice", JSON.readTree(joined.out()).get("name").asText());
        assertEquals(0, pair.get(30, TimeUnit.SECONDS));
        JsonNode paired = JSON.readTree(lines.poll(30, TimeUnit.SECONDS));
        assertEquals("paired", paired.get("event").asText());
        assertEquals("bob", paired.get("name").asText());

        CliRunner.Result list = CliRunner.inProcess("devices", "--json", "--data-dir", bob.toString());
        JsonNode dev = JSON.readTree(list.out());
        assertEquals("alice", dev.get("name").asText());
        assertEquals("PAIRED", dev.get("state").asText());

        CliRunner.Result revoke = CliRunner.inProcess("revoke", "--json", "--transport", "memory", "--port", "0",
                "--data-dir", bob.toString(), "alice");
        assertEquals(0, revoke.exit(), revoke.err());
        assertTrue(CliRunner.inProcess("devices", "--json", "--data-dir", bob.toString()).out().isBlank());
    }

    @Test
    void aMistypedWordIsCaughtLocallyWithASuggestion() {
        CliRunner.Result r = CliRunner.inProcess("join", "--transport", "memory", "--data-dir", dir.resolve("x").toString(),
                "abandun", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon",
                "abandon", "abandon", "about");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("word 1 'abandun'") && r.err().contains("abandon"), r.err());
    }
}
