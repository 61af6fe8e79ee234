package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.core.TandemNode;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.InMemoryTransport;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class InMemoryMessagingTest extends MessagingScenarios {
    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected TandemNode.Builder builder(Path dataDir) {
        return TestNodes.builder(network, dataDir);
    }

    /** What kwik's lost send request does to a channel: writes return, nothing arrives, nothing ever blocks. */
    @Test
    void aChannelThatStopsCarryingIsClosedAsStalledAndTheNextRequestRedials() throws Exception {
        Messaging m = Messaging.of(a);
        assertEquals(2, m.request(b.id(), new Query(1, List.of()), Answer.class).get(20, TimeUnit.SECONDS).doubled());
        InMemoryTransport transport = (InMemoryTransport) a.networking().transport();
        transport.strandWrites(true);
        CompletableFuture<Answer> lost = m.request(b.id(), new Query(2, List.of()), Answer.class,
                Duration.ofSeconds(120));
        // Quiet for 2 s with a request waiting, then a ping that is stranded too and unanswered for 2 s more.
        ExecutionException e = assertThrows(ExecutionException.class, () -> lost.get(20, TimeUnit.SECONDS));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(CloseCode.STALLED, closed.code());
        transport.strandWrites(false);
        assertEquals(6, m.request(b.id(), new Query(3, List.of()), Answer.class).get(20, TimeUnit.SECONDS).doubled());
    }

    /** A handler that takes longer than the probe's patience is not a dead channel: the ping is answered. */
    @Test
    void aSlowHandlerDoesNotGetItsChannelClosed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Messaging.of(b).register("test.slow", Unregistered.class).onRequest(Unregistered.class, (from, u) -> {
            release.await();
            return new Answer(7, Map.of());
        });
        Messaging m = Messaging.of(a).register("test.slow", Unregistered.class);
        CompletableFuture<Answer> slow = m.request(b.id(), new Unregistered("x"), Answer.class, Duration.ofSeconds(60));
        // Twice the probe's whole cycle (quiet 2 s, ping 2 s): a wrong verdict would have failed the request by now.
        assertThrows(TimeoutException.class, () -> slow.get(8, TimeUnit.SECONDS));
        release.countDown();
        assertEquals(7, slow.get(20, TimeUnit.SECONDS).doubled());
    }
}
