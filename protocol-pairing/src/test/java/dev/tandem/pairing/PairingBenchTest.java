package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark engine pairs and unpairs repeatedly (figures come from `tandem bench pairing`). */
@Timeout(60)
class PairingBenchTest {
    @Test
    void repeatedPairingsProduceOrderedPercentiles(@TempDir Path dir) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = TestNodes.builder(net, dir.resolve("a")).option("discovery.lan", "false").build().start();
             TandemNode b = TestNodes.builder(net, dir.resolve("b")).option("discovery.lan", "false").build().start()) {
            PairingBench.Result r = PairingBench.run(a, b, 5);
            assertEquals(5, r.runs());
            assertTrue(r.min().compareTo(r.p50()) <= 0 && r.p50().compareTo(r.max()) <= 0, r.toString());
            assertTrue(a.devices().all().isEmpty() && b.devices().all().isEmpty(), "pairs are dropped between runs");
        }
    }
}
