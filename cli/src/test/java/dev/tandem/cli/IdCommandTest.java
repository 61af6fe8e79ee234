package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class IdCommandTest {
    @TempDir
    Path dir;

    @Test
    void idIsCreatedOnFirstUseThenStableAcrossProcesses() throws Exception {
        CliRunner.Result first = CliRunner.child("id", "--data-dir", dir.toString());
        CliRunner.Result second = CliRunner.child("id", "--data-dir", dir.toString());
        assertEquals(0, first.exit(), first.err());
        assertEquals(0, second.exit(), second.err());
        assertTrue(first.out().strip().matches("[0-9a-f]{64}"), first.out());
        assertEquals(first.out(), second.out());
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("identity.key"))));
        assertFalse(first.err().contains("seed"), "the key must never be printed");
    }

    @Test
    void jsonOutputParses() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("id", "--json", "--data-dir", dir.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals(64, n.get("nodeId").asText().length());
        assertTrue(n.get("created").asBoolean());
        assertEquals(n.get("nodeId").asText().substring(0, 10), n.get("short").asText());
        JsonNode again = new ObjectMapper().readTree(CliRunner.inProcess("--json", "--data-dir", dir.toString(), "id").out());
        assertFalse(again.get("created").asBoolean());
        assertEquals(n.get("nodeId"), again.get("nodeId"));
    }

    @Test
    void aCorruptKeyIsReportedWithAdviceAndLeftAlone() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("identity.key"), "not a key");
        CliRunner.Result r = CliRunner.inProcess("id", "--data-dir", dir.toString());
        assertEquals(ExitCodes.DATA, r.exit());
        assertTrue(r.err().contains("corrupt") && r.err().contains("move it away"), r.err());
        assertEquals("not a key", Files.readString(dir.resolve("identity.key")));
    }

    @Test
    void badCommandLinesExitWithUsage() {
        assertEquals(ExitCodes.USAGE, CliRunner.inProcess("no-such-command").exit());
        assertEquals(ExitCodes.USAGE, CliRunner.inProcess("id", "--no-such-option").exit());
    }

    @Test
    void versionAndHelpWorkEverywhere() throws Exception {
        CliRunner.Result v = CliRunner.inProcess("version", "--json");
        assertEquals(0, v.exit());
        assertTrue(new ObjectMapper().readTree(v.out()).get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), v.out());
        assertTrue(CliRunner.inProcess("--version").out().startsWith("tandem "));
        for (String cmd : new String[] {"id", "version"}) {
            CliRunner.Result h = CliRunner.inProcess(cmd, "--help");
            assertEquals(0, h.exit());
            assertTrue(h.out().contains("Usage: tandem " + cmd), h.out());
        }
    }

    @Test
    void completionScriptCoversTheCommands() {
        CliRunner.Result r = CliRunner.inProcess("completion");
        assertEquals(0, r.exit());
        for (String cmd : new String[] {"id", "up", "down", "msg", "devices", "bench"}) {
            assertTrue(r.out().contains(cmd), "completion lacks " + cmd);
        }
        assertTrue(r.out().contains("complete -F"), "not a bash completion script");
    }
}
