package dev.tandem.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerAuthenticationException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.quic.auth.ClientProof;
import dev.tandem.quic.netty.NettyQuicTransport;
import dev.tandem.quic.netty.NettySettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A kwik client with a forged proof is closed by a Netty server before any handler sees it (kwik's own hook). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KwikClientProofToNettyTest {
    private static final String ALPN = "tandem-test/a/1";
    private final BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
    private NettyQuicTransport server;
    private QuicTransport client;

    @BeforeEach
    void start() throws Exception {
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withIdleTimeout(Duration.ofSeconds(5), Duration.ofSeconds(1));
        server = new NettyQuicTransport(NetworkIdentity.generate(),
                NettySettings.DEFAULTS.withAuthTimeout(Duration.ofMillis(800)));
        server.start(config, inbound::add);
        client = new QuicTransport(NetworkIdentity.generate());
        client.start(config, c -> { });
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private void assertRejected() throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS));
        assertInstanceOf(PeerAuthenticationException.class, e.getCause(), e.getCause().toString());
        assertEquals(null, inbound.poll(300, TimeUnit.MILLISECONDS), "no handler may see the connection");
        assertTrue(server.stats().authFailures() >= 1);
    }

    @Test
    void forgedSignatureIsRejected() throws Exception {
        client.proofMaker((self, nonce, hash, alpn) -> {
            byte[] p = ClientProof.create(self, nonce, hash, alpn);
            p[40] ^= 1;
            return p;
        });
        assertRejected();
    }

    @Test
    void proofForAnotherCertificateIsRejected() throws Exception {
        client.proofMaker((self, nonce, hash, alpn) -> ClientProof.create(self, nonce, new byte[32], alpn));
        assertRejected();
    }

    @Test
    void anHonestKwikClientIsAccepted() throws Exception {
        PeerConnection c = client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS);
        PeerConnection s = inbound.poll(20, TimeUnit.SECONDS);
        assertEquals(client.localAddr().id(), s.remoteNodeId());
        assertEquals(server.localAddr().id(), c.remoteNodeId());
        c.close();
    }
}
