package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** 200 concurrent connections to one node: all authenticated, all usable, and no thread per connection. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManyConnectionsTest {
    private static final String ALPN = "tandem-test/a/1";
    private static final int CONNECTIONS = 200;
    private static final int CLIENTS = 4;
    /** Per transport: one event loop and at most two dispatcher threads, whatever the connection count. */
    private static final int THREADS_PER_TRANSPORT = 3;

    @Test
    void twoHundredConcurrentConnectionsWithoutAThreadEach() throws Exception {
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withIdleTimeout(Duration.ofSeconds(30), Duration.ofSeconds(10));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int before = threads.getThreadCount();
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        NettyQuicTransport server = new NettyQuicTransport(NetworkIdentity.generate());
        List<NettyQuicTransport> clients = new ArrayList<>();
        try {
            server.start(config, inbound::add);
            for (int i = 0; i < CLIENTS; i++) {
                NettyQuicTransport c = new NettyQuicTransport(NetworkIdentity.generate());
                c.start(config, x -> { });
                clients.add(c);
            }
            List<CompletableFuture<PeerConnection>> dials = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                dials.add(clients.get(i % CLIENTS).dial(server.localAddr(), ALPN));
            }
            List<PeerConnection> conns = new ArrayList<>();
            for (CompletableFuture<PeerConnection> d : dials) {
                conns.add(d.get(60, TimeUnit.SECONDS));
            }
            List<PeerConnection> accepted = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                PeerConnection s = inbound.poll(30, TimeUnit.SECONDS);
                assertTrue(s != null, "server accepted only " + i);
                accepted.add(s);
            }
            int peak = threads.getThreadCount();
            int bound = THREADS_PER_TRANSPORT * (CLIENTS + 1) + 2;
            assertTrue(peak - before <= bound, "threads grew by " + (peak - before) + " for " + CONNECTIONS
                    + " connections over " + (CLIENTS + 1) + " transports (bound " + bound + ")");

            // every connection works: each client sends a request first, one thread then echoes them all
            List<PeerStream> requests = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                PeerStream st = conns.get(i).openBidirectional();
                st.output().write(("hello " + i).getBytes(StandardCharsets.UTF_8));
                st.output().close();
                requests.add(st);
            }
            for (PeerConnection s : accepted) {
                PeerStream st = s.acceptStream();
                st.output().write(st.input().readAllBytes());
                st.output().close();
            }
            for (int i = 0; i < CONNECTIONS; i++) {
                assertArrayEquals(("hello " + i).getBytes(StandardCharsets.UTF_8),
                        requests.get(i).input().readAllBytes());
            }
            assertEquals(CONNECTIONS, conns.stream().filter(PeerConnection::isOpen).count());
            conns.forEach(PeerConnection::close);
        } finally {
            clients.forEach(NettyQuicTransport::close);
            server.close();
        }
    }
}
