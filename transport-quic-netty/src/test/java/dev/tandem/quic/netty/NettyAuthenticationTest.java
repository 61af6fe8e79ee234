package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerAuthenticationException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.quic.QuicTransport;
import dev.tandem.quic.auth.ClientProof;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Netty client that does not prove its node key is closed before any handler sees its connection, by a Netty
 * server and by a kwik server alike (the same tests as the kwik transport's, through the shared scheme).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyAuthenticationTest {
    static final String ALPN = "tandem-test/a/1";
    static final String OTHER_ALPN = "tandem-test/b/1";
    private final List<Transport> transports = new ArrayList<>();
    private final BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();

    static TransportConfig config() {
        return TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT, OTHER_ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withIdleTimeout(Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    @AfterEach
    void close() {
        transports.forEach(Transport::close);
    }

    private <T extends Transport> T started(T t) throws Exception {
        transports.add(t);
        t.start(config(), inbound::add);
        return t;
    }

    private Transport server(boolean netty) throws Exception {
        NetworkIdentity id = NetworkIdentity.generate();
        return started(netty ? new NettyQuicTransport(id, NettySettings.DEFAULTS.withAuthTimeout(Duration.ofMillis(800)))
                : new QuicTransport(id, dev.tandem.quic.QuicSettings.DEFAULTS.withAuthTimeout(Duration.ofMillis(800))));
    }

    private NettyQuicTransport client(ClientProof.Maker maker) throws Exception {
        NettyQuicTransport c = started(new NettyQuicTransport(NetworkIdentity.generate()));
        c.proofMaker(maker);
        return c;
    }

    private void assertRejected(Transport server, NettyQuicTransport client) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS));
        assertInstanceOf(PeerAuthenticationException.class, e.getCause(), e.getCause().toString());
        assertEquals(null, inbound.poll(300, TimeUnit.MILLISECONDS), "no handler may see the connection");
        if (server instanceof NettyQuicTransport n) {
            assertTrue(n.stats().authFailures() >= 1);
        } else {
            assertTrue(((QuicTransport) server).stats().authFailures() >= 1);
        }
    }

    private static byte[] forgedSignature(NetworkIdentity self, byte[] nonce, byte[] hash, String alpn) {
        byte[] p = ClientProof.create(self, nonce, hash, alpn);
        p[p.length - 1] ^= 1;
        return p;
    }

    @Test
    void forgedSignatureIsRejectedByNettyAndKwikServers() throws Exception {
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client(NettyAuthenticationTest::forgedSignature));
        }
    }

    @Test
    void proofForAnotherAlpnIsRejected() throws Exception {
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client((self, n, h, alpn) -> ClientProof.create(self, n, h, OTHER_ALPN)));
        }
    }

    @Test
    void proofForAnotherCertificateIsRejected() throws Exception {
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client((self, n, h, alpn) -> ClientProof.create(self, n, new byte[32], alpn)));
        }
    }

    @Test
    void claimingAnotherNodeIdIsRejected() throws Exception {
        NetworkIdentity victim = NetworkIdentity.generate();
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client((self, n, h, alpn) -> {
                byte[] p = ClientProof.create(self, n, h, alpn);
                System.arraycopy(victim.nodeId().bytes(), 0, p, 0, 32);
                return p;
            }));
        }
    }

    @Test
    void aClientThatNeverProvesItselfIsClosedAfterTheAuthTimeout() throws Exception {
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client((self, n, h, alpn) -> null));
        }
    }

    @Test
    void aShortProofIsRejected() throws Exception {
        for (boolean netty : new boolean[] {true, false}) {
            assertRejected(server(netty), client((self, n, h, alpn) -> new byte[10]));
        }
    }
}
