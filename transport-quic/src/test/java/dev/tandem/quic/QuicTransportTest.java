package dev.tandem.quic;

import static dev.tandem.quic.QuicTestSupport.ALPN_A;
import static dev.tandem.quic.QuicTestSupport.ALPN_B;
import static dev.tandem.quic.QuicTestSupport.ALPN_ONE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StallException;
import dev.tandem.core.transport.StreamResetException;
import dev.tandem.core.transport.StreamTimeoutException;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportException;
import dev.tandem.core.transport.TransportProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** QUIC-specific behaviour beyond the compatibility kit, over real kwik on loopback UDP. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicTransportTest {
    private static final Duration IDLE = Duration.ofSeconds(3);
    private final List<Transport> transports = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "quic-test");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() {
        pool.shutdownNow();
        transports.forEach(Transport::close);
    }

    private QuicTransport start(QuicSettings settings, BlockingQueue<PeerConnection> inbound) throws IOException {
        QuicTransport t = QuicTestSupport.transport(settings);
        transports.add(t);
        t.start(QuicTestSupport.config(IDLE), inbound::add);
        return t;
    }

    private static PeerConnection next(BlockingQueue<PeerConnection> q) throws InterruptedException {
        PeerConnection c = q.poll(20, TimeUnit.SECONDS);
        assertNotNull(c, "no inbound connection");
        return c;
    }

    private static byte[] exchange(PeerConnection c, byte[] payload) throws IOException {
        try (PeerStream s = c.openBidirectional()) {
            s.output().write(payload);
            s.output().close();
            return s.input().readAllBytes();
        }
    }

    @Test
    void providerIsFoundByName() {
        TransportProvider p = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("kwik")).findFirst().orElseThrow();
        Transport t = p.create(NetworkIdentity.generate(), Map.of("nudgeAfterMs", "250"));
        assertInstanceOf(QuicTransport.class, t);
        assertEquals(Duration.ofMillis(250), ((QuicTransport) t).settings().nudgeAfter());
        t.close();
    }

    @Test
    void nodesDialEachOtherConcurrentlyOnTheirSinglePorts() throws Exception {
        BlockingQueue<PeerConnection> inA = new LinkedBlockingQueue<>();
        BlockingQueue<PeerConnection> inB = new LinkedBlockingQueue<>();
        QuicTransport a = start(QuicSettings.DEFAULTS, inA);
        QuicTransport b = start(QuicSettings.DEFAULTS, inB);
        pool.execute(() -> serveAll(inA));
        pool.execute(() -> serveAll(inB));
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            QuicTransport from = i % 2 == 0 ? a : b;
            QuicTransport to = i % 2 == 0 ? b : a;
            String alpn = (i / 2) % 2 == 0 ? ALPN_A : ALPN_B;
            byte[] msg = ("hello " + i).getBytes(StandardCharsets.UTF_8);
            results.add(pool.submit(() -> {
                PeerConnection c = from.dial(to.localAddr(), alpn).get(30, TimeUnit.SECONDS);
                assertEquals(to.localAddr().id(), c.remoteNodeId());
                assertEquals(alpn, c.alpn());
                return java.util.Arrays.equals(msg, exchange(c, msg));
            }));
        }
        for (Future<Boolean> f : results) {
            assertTrue(f.get(45, TimeUnit.SECONDS));
        }
    }

    @Test
    void aSilentFirstAddressLeavesTimeForTheNextOne() throws Exception {
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = QuicTestSupport.transport(QuicSettings.DEFAULTS);
        transports.add(client);
        client.start(QuicTestSupport.config(IDLE).withConnectTimeout(Duration.ofSeconds(6)), c -> { });
        // A bound socket nobody reads: datagrams vanish, as with an address that is not routed.
        try (java.net.DatagramSocket blackHole = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            NodeAddr live = server.localAddr();
            NodeAddr both = new NodeAddr(live.id(), List.of(
                    (java.net.InetSocketAddress) blackHole.getLocalSocketAddress(), live.directAddresses().get(0)),
                    java.util.Optional.empty());
            PeerConnection c = client.dial(both, ALPN_A).get(30, TimeUnit.SECONDS);
            assertEquals(live.id(), c.remoteNodeId());
            assertNotNull(next(in));
        }
    }

    private void serveAll(BlockingQueue<PeerConnection> inbound) {
        try {
            while (true) {
                QuicTestSupport.echo(inbound.take(), pool);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void openBlockedOnStreamCreditFailsWhenTheConnectionCloses() throws Exception {
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = start(QuicSettings.DEFAULTS, new LinkedBlockingQueue<>());
        PeerConnection c = client.dial(server.localAddr(), ALPN_ONE).get(20, TimeUnit.SECONDS);
        PeerConnection s = next(in);
        PeerStream first = c.openBidirectional(); // the only stream ALPN_ONE allows
        first.output().write(1);
        assertNotNull(s.acceptStream());
        Future<PeerStream> second = pool.submit(c::openBidirectional);
        s.close(CloseCode.BUSY, "no more");
        ExecutionException e = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(CloseCode.BUSY, ((ConnectionClosedException) e.getCause()).code());
    }

    @Test
    void readTimeoutThenLateDataThenEndOfStream() throws Exception {
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = start(QuicSettings.DEFAULTS, new LinkedBlockingQueue<>());
        PeerConnection c = client.dial(server.localAddr(), ALPN_A).get(20, TimeUnit.SECONDS);
        PeerConnection s = next(in);
        PeerStream st = c.openBidirectional();
        st.output().write(1);
        PeerStream peer = s.acceptStream();
        st.setReadTimeout(Duration.ofMillis(150));
        assertThrows(StreamTimeoutException.class, () -> st.input().read());
        peer.output().write("late".getBytes(StandardCharsets.UTF_8));
        peer.output().close();
        st.setReadTimeout(Duration.ofSeconds(10));
        assertArrayEquals("late".getBytes(StandardCharsets.UTF_8), st.input().readAllBytes());
    }

    @Test
    void writerFailsWithinTheIdleTimeoutWhenThePeerDiesMidStream() throws Exception {
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = start(QuicSettings.DEFAULTS, new LinkedBlockingQueue<>());
        PeerConnection c = client.dial(server.localAddr(), ALPN_A).get(20, TimeUnit.SECONDS);
        PeerConnection s = next(in);
        CountDownLatch twoMiB = new CountDownLatch(1);
        PeerStream st = c.openUnidirectional();
        Future<?> writer = pool.submit(() -> {
            byte[] buf = new byte[64 * 1024];
            while (true) {
                st.output().write(buf);
            }
        });
        pool.submit(() -> {
            byte[] buf = new byte[64 * 1024];
            PeerStream r = s.acceptStream();
            long received = 0;
            for (int n; (n = r.input().read(buf)) >= 0; ) {
                received += n;
                if (received > (2 << 20)) {
                    twoMiB.countDown();
                }
            }
            return null;
        });
        assertTrue(twoMiB.await(30, TimeUnit.SECONDS), "2 MiB arrived within 30 s");
        long start = System.nanoTime();
        server.crash();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> writer.get(IDLE.multipliedBy(4).toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(TransportException.class, e.getCause(), String.valueOf(e.getCause()));
        assertTrue(System.nanoTime() - start < IDLE.multipliedBy(4).toNanos());
        ConnectionClosedException how = c.closed().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(CloseCode.IDLE_TIMEOUT, how.code(), how.toString());
    }

    @Test
    void writerThatCannotProgressIsNudgedThenFailsAsStalled() throws Exception {
        QuicSettings fast = QuicSettings.DEFAULTS.withWatchdog(Duration.ofMillis(200), Duration.ofMillis(100),
                Duration.ofSeconds(2));
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = start(fast, new LinkedBlockingQueue<>());
        PeerConnection c = client.dial(server.localAddr(), ALPN_A).get(20, TimeUnit.SECONDS);
        PeerConnection s = next(in);
        PeerStream st = c.openUnidirectional();
        Future<?> writer = pool.submit(() -> {
            st.output().write(new byte[8 << 20]); // far more than the 1 MiB window: blocks, nobody reads
            return null;
        });
        PeerStream peer = s.acceptStream();
        ExecutionException e = assertThrows(ExecutionException.class, () -> writer.get(20, TimeUnit.SECONDS));
        assertInstanceOf(StallException.class, e.getCause());
        TransportStats stats = client.stats();
        assertTrue(stats.nudges() >= 5, stats.toString());
        assertTrue(stats.nudgedWrites() >= 1, stats.toString()); // a slow moment before the window filled may add one
        assertEquals(1, stats.stalls(), stats.toString());
        // the peer learns the stream was abandoned
        IOException r = assertThrows(IOException.class, () -> peer.input().readAllBytes());
        assertInstanceOf(StreamResetException.class, r);
        // and the connection is still usable
        QuicTestSupport.echo(s, pool);
        assertArrayEquals(new byte[] {1, 2, 3}, exchange(c, new byte[] {1, 2, 3}));
    }

    @Test
    void nudgesWhileBlockedNeverCostTheFin() throws Exception {
        QuicSettings eager = QuicSettings.DEFAULTS.withWatchdog(Duration.ofMillis(150), Duration.ofMillis(50),
                Duration.ZERO);
        BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
        QuicTransport server = start(QuicSettings.DEFAULTS, in);
        QuicTransport client = start(eager, new LinkedBlockingQueue<>());
        PeerConnection c = client.dial(server.localAddr(), ALPN_A).get(20, TimeUnit.SECONDS);
        PeerConnection s = next(in);
        int total = 3 << 20;
        for (int round = 0; round < 3; round++) {
            long before = client.stats().nudges();
            PeerStream st = c.openUnidirectional();
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                try (var out = st.output()) {
                    out.write(new byte[total]);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, pool);
            PeerStream peer = s.acceptStream();
            // hold the reader back until the blocked writer has been nudged a few times
            assertTrue(client.watchdog().awaitNudges(before + 3, Duration.ofSeconds(20)), "3 nudges within 20 s");
            byte[] got = peer.input().readAllBytes(); // ends only if the FIN arrived
            assertEquals(total, got.length);
            written.get(20, TimeUnit.SECONDS);
        }
        assertEquals(0, client.stats().stalls());
    }
}
