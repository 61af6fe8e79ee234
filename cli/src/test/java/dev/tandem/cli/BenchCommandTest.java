package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class BenchCommandTest {
    @Test
    void messagingBenchReportsParsableFigures() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("bench", "messaging", "--transport", "memory", "--json",
                "--requests", "200", "--warmup-requests", "500", "--throughput-requests", "1000");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals("memory", n.get("transport").asText());
        assertTrue(n.get("p50Micros").asDouble() > 0);
        assertTrue(n.get("p50Micros").asDouble() <= n.get("p99Micros").asDouble());
        assertTrue(n.get("messagesPerSecond").asLong() > 0);
        assertEquals(500, n.get("warmupRequests").asInt());
    }

    @Test
    void aWindowOfZeroIsABadCommandLine() {
        CliRunner.Result r = CliRunner.inProcess("bench", "messaging", "--transport", "memory", "--window", "0");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("--window must be at least 1"), r.err());
    }

    @Test
    void transferBenchWithoutBaselinesWritesValidJson() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("bench", "transfer", "--transport", "kwik", "--no-baselines",
                "--size", "4MiB", "--runs", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out()); // JSON has no NaN: a missing baseline must not print one
        assertEquals("kwik", n.get("transport").asText());
        assertEquals(0, n.get("failedRuns").asInt());
        assertTrue(n.get("medianMBps").asDouble() > 0);
        assertTrue(n.path("ratioToRawStream").isMissingNode(), r.out());
        assertTrue(n.get("busiestThreadCpuSecondsPerGiB").asDouble() > 0, r.out());
        assertTrue(n.path("ratioToRawStreamByBusiestThread").isMissingNode(), r.out());
        assertTrue(n.path("cpuBoundCeiling").isMissingNode(), r.out()); // it needs the raw stream's CPU
    }

    @Test
    void transferBenchComparesWithTheRawStreamsByBusiestThreadAndCpuBoundCeiling() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("bench", "transfer", "--transport", "kwik", "--size", "4MiB",
                "--runs", "1", "--warmup", "1MiB", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out()); // path(): a figure left out reads as 0 and fails below
        double transfer = n.path("busiestThreadCpuSecondsPerGiB").asDouble();
        double raw = n.path("rawStreamBusiestThreadCpuSecondsPerGiB").asDouble();
        assertTrue(transfer > 0 && raw > 0, r.out());
        assertEquals(raw / transfer, n.path("ratioToRawStreamByBusiestThread").asDouble(), 1e-9, r.out());
        assertNotEquals("unknown", n.path("busiestThread").asText(), r.out()); // kwik names its own, e.g. "sender"

        double rawCpu = n.path("rawStreamCpuSecondsPerGiB").asDouble();
        double crypto = n.path("cryptoCpuSecondsPerGiB").asDouble();
        assertTrue(rawCpu > 0 && crypto > 0, r.out());
        double ceiling = n.path("cpuBoundCeiling").asDouble();
        assertEquals(rawCpu / (rawCpu + crypto), ceiling, 1e-9, r.out());
        assertTrue(ceiling > 0 && ceiling < 1, r.out());
        assertEquals(n.path("ratioToRawStream").asDouble() / ceiling, n.path("ratioToCpuBoundCeiling").asDouble(), 1e-9,
                r.out());
    }

    @Test
    void transferBenchSendsAFolderOfFilesAndCountsThem() throws Exception {
        CliRunner.Result r = CliRunner.inProcess("bench", "transfer", "--transport", "kwik", "--no-baselines",
                "--size", "1MiB", "--files", "20", "--runs", "1", "--warmup", "1MiB", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals(0, n.path("failedRuns").asInt(-1), r.out());
        assertEquals(20, n.path("files").asInt(), r.out());
        assertTrue(n.path("medianFilesPerSecond").asDouble() > 0, r.out());
    }

    @Test
    void transferBenchRefusesAFolderOfMoreFilesThanBytes() {
        CliRunner.Result r = CliRunner.inProcess("bench", "transfer", "--transport", "kwik", "--no-baselines",
                "--size", "10", "--files", "11");
        assertEquals(ExitCodes.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("--files 1 to --size"), r.err());
    }

    @Test
    void transferBenchOptionsReachTheNodes() {
        CliRunner.Result r = CliRunner.inProcess("bench", "transfer", "--transport", "kwik", "--no-baselines",
                "--size", "1MiB", "--runs", "1", "--option", "filetransfer.chunkSize=1000");
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        assertTrue(r.err().contains("file transfer did not start on this node: option filetransfer.chunkSize must be "
                + "16384.."), r.err());
    }

    @Test
    void anUnknownTransportIsAClearError() {
        CliRunner.Result r = CliRunner.inProcess("bench", "messaging", "--transport", "carrier-pigeon");
        assertEquals(ExitCodes.FAILED, r.exit());
        assertTrue(r.err().contains("no transport named 'carrier-pigeon'"), r.err());
    }
}
