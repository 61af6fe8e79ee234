package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark engine works end to end (figures are reported, not asserted). */
@Timeout(120)
class TransferBenchTest {
    @Test
    void producesConsistentFigures(@TempDir Path dir) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = TestNodes.builder(net, dir.resolve("a")).build().start();
             TandemNode b = TestNodes.builder(net, dir.resolve("b")).build().start()) {
            TestNodes.pairDirectly(a, b);
            List<TransferBench.Run> runs = TransferBench.run(a, b, dir.resolve("work"), 32L << 20, 2);
            assertEquals(2, runs.size());
            for (TransferBench.Run r : runs) {
                assertTrue(r.ok(), r.error());
                assertTrue(r.megabytesPerSecond() > 0 && r.cpuSecondsPerGiB() > 0 && r.peakHeapBytes() > 0, r.toString());
                assertEquals(0, r.reconnects());
            }
        }
    }

    @Test
    void cryptoCostIsMeasuredOverTheWholeSample() {
        double perGib = TransferBench.cryptoCpuSecondsPerGiB(8L << 20, FileTransfer.DEFAULT_CHUNK);
        assertTrue(perGib > 0 && Double.isFinite(perGib), "AES-GCM and SHA-256 cost " + perGib + " CPU-s/GiB");
        // a sample that is not a whole number of chunks is rounded up to one, and still measured
        double partial = TransferBench.cryptoCpuSecondsPerGiB(100_000, FileTransfer.DEFAULT_CHUNK);
        assertTrue(partial > 0 && Double.isFinite(partial), "partial sample: " + partial);
    }

    @Test
    void cryptoCostRefusesAnEmptySample() {
        assertThrows(IllegalArgumentException.class, () -> TransferBench.cryptoCpuSecondsPerGiB(0, 65536));
        assertThrows(IllegalArgumentException.class, () -> TransferBench.cryptoCpuSecondsPerGiB(1 << 20, 0));
    }
}
