package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark engine works end to end (its figures are reported by `tandem bench`, not asserted here). */
@Timeout(60)
class MessagingBenchTest {
    @Test
    void producesConsistentFigures(@TempDir Path dir) throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = TestNodes.builder(net, dir.resolve("a")).build().start();
             TandemNode b = TestNodes.builder(net, dir.resolve("b")).build().start()) {
            TestNodes.pairDirectly(a, b);
            MessagingBench.install(Messaging.of(a));
            MessagingBench.install(Messaging.of(b));
            MessagingBench.Result r = MessagingBench.run(Messaging.of(a), b.id(), 300, 500, 2000, 64, 16);
            assertEquals(300, r.requests());
            assertTrue(r.p50().compareTo(r.p99()) <= 0 && r.p99().compareTo(r.max()) <= 0, r.toString());
            assertTrue(r.messagesPerSecond() > 0, r.toString());
        }
    }
}
