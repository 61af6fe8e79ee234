package dev.tandem.quic.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.quic.QuicTransport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark engine runs end to end on a small size and reports sane numbers. */
class TransportBenchTest {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void smallBenchmarkCompletes() throws Exception {
        TransportBench.Options o = TransportBench.Options.of(2L << 20, 2).withStreams(2).withConnectSamples(2)
                .withConnectWarmup(1).withWarmupRuns(1);
        TransportBench.Report r = TransportBench.run(QuicTransport::new, o);
        for (TransportBench.Summary s : new TransportBench.Summary[] {r.transport(), r.baseline()}) {
            assertEquals(0, s.failures(), s.toString());
            assertEquals(2, s.runs().size(), "warm-up runs are not reported");
            assertEquals(java.util.List.of(1, 2), s.runs().stream().map(TransportBench.RunResult::run).toList());
            assertTrue(s.medianMegabytesPerSecond() > 0, s.toString());
            assertNotNull(s.connectP50());
            assertNotNull(s.connectP90());
        }
        assertEquals("kwik", r.transport().transport());
        assertTrue(r.throughputRatio() > 0);
        assertTrue(TransportBenchMain.format(r).contains("ratio"));
    }
}
