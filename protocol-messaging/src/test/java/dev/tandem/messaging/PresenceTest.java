package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceState;
import dev.tandem.core.event.ConnectionEstablished;
import dev.tandem.core.event.DeviceStateChanged;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Paired devices reconnect by themselves; only the lower node id dials. */
@Timeout(60)
class PresenceTest {
    @TempDir
    Path dir;

    @Test
    void pairedDevicesConnectAndReconnectWithOnlyTheLowerIdDialling() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork();
        TandemNode x = TestNodes.builder(net, dir.resolve("x")).build().start();
        TandemNode y = TestNodes.builder(net, dir.resolve("y")).build().start();
        TandemNode low = x.id().compareTo(y.id()) < 0 ? x : y;
        TandemNode high = low == x ? y : x;
        BlockingQueue<ConnectionEstablished> atHigh = new LinkedBlockingQueue<>();
        high.events().subscribe(ConnectionEstablished.class, atHigh::add);
        BlockingQueue<Optional<DeviceState>> lowSees = new LinkedBlockingQueue<>();
        low.events().subscribe(DeviceStateChanged.class, e -> lowSees.add(e.to()));

        TestNodes.pairDirectly(low, high);
        lowSees.clear();
        Messaging.of(low).keepConnected(Duration.ofMillis(200), Duration.ofSeconds(2));
        Messaging.of(high).keepConnected(Duration.ofMillis(200), Duration.ofSeconds(2));

        ConnectionEstablished c = atHigh.poll(20, TimeUnit.SECONDS);
        assertTrue(c != null && c.inbound() && c.peer().equals(low.id()), "the lower id dials: " + c);
        awaitState(lowSees, DeviceState.CONNECTED);

        // The higher node restarts somewhere else; once its new address is known, the lower one reconnects.
        Path highDir = high.dataDir();
        high.close();
        awaitState(lowSees, DeviceState.DISCONNECTED);
        TandemNode again = TandemNode.builder().dataDir(highDir).identity(high.identity())
                .transport(net.newTransport(high.identity())).bindHost("127.0.0.1").build().start();
        try {
            low.devices().discovered(again.id(), again.addr().directAddresses());
            awaitState(lowSees, DeviceState.CONNECTED);
            assertEquals(DeviceState.CONNECTED, low.devices().get(again.id()).orElseThrow().state());
            assertFalse(again.devices().all().isEmpty());
        } finally {
            again.close();
            low.close();
        }
    }

    private static void awaitState(BlockingQueue<Optional<DeviceState>> q, DeviceState want) throws InterruptedException {
        while (true) {
            Optional<DeviceState> s = q.poll(20, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("never reached " + want);
            }
            if (s.equals(Optional.of(want))) {
                return;
            }
        }
    }
}
