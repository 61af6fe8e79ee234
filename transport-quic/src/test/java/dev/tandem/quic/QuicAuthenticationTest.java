package dev.tandem.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.PeerAuthenticationException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.quic.auth.ClientProof;
import dev.tandem.quic.auth.NodeCertificates;
import dev.tandem.quic.auth.NodeTrustManager;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tech.kwik.core.ConnectionTerminatedEvent;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;

/**
 * A dialler that does not prove its node key is closed before any handler sees the connection: forged,
 * replayed and missing proofs, over real kwik on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicAuthenticationTest {
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(1);
    private QuicTransport server;
    private QuicTransport client;
    private final BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        QuicSettings s = QuicSettings.DEFAULTS.withAuthTimeout(AUTH_TIMEOUT);
        server = QuicTestSupport.transport(s);
        client = QuicTestSupport.transport(s);
        server.start(QuicTestSupport.config(Duration.ofSeconds(5)), inbound::add);
        client.start(QuicTestSupport.config(Duration.ofSeconds(5)), c -> { });
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private void assertRejected(ClientProof.Maker forger) throws Exception {
        client.proofMaker(forger);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.dial(server.localAddr(), QuicTestSupport.ALPN_A).get(20, TimeUnit.SECONDS));
        assertInstanceOf(PeerAuthenticationException.class, e.getCause(), String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("rejected"), e.getCause().getMessage());
        assertNull(inbound.poll(), "no handler may see an unauthenticated connection");
        assertEquals(1, server.stats().authFailures());
    }

    @Test
    void honestProofIsAccepted() throws Exception {
        PeerConnection c = client.dial(server.localAddr(), QuicTestSupport.ALPN_A).get(20, TimeUnit.SECONDS);
        PeerConnection s = inbound.poll(20, TimeUnit.SECONDS);
        assertNotNull(s);
        assertEquals(client.localAddr().id(), s.remoteNodeId());
        assertEquals(server.localAddr().id(), c.remoteNodeId());
        assertEquals(0, server.stats().authFailures());
    }

    @Test
    void badSignatureIsRejected() throws Exception {
        assertRejected((self, nonce, hash, alpn) -> {
            byte[] p = ClientProof.create(self, nonce, hash, alpn);
            p[p.length - 1] ^= 1;
            return p;
        });
    }

    @Test
    void proofForAnotherServerCertificateIsRejected() throws Exception {
        byte[] otherHash = MessageDigest.getInstance("SHA-256").digest("another server".getBytes(StandardCharsets.UTF_8));
        assertRejected((self, nonce, hash, alpn) -> ClientProof.create(self, nonce, otherHash, alpn));
    }

    @Test
    void proofForAnotherAlpnIsRejected() throws Exception {
        assertRejected((self, nonce, hash, alpn) -> ClientProof.create(self, nonce, hash, QuicTestSupport.ALPN_B));
    }

    @Test
    void claimingAnotherNodeIdIsRejected() throws Exception {
        NetworkIdentity victim = NetworkIdentity.generate();
        assertRejected((self, nonce, hash, alpn) -> {
            byte[] p = ClientProof.create(self, nonce, hash, alpn);
            System.arraycopy(victim.nodeId().bytes(), 0, p, 0, 32);
            return p;
        });
    }

    @Test
    void replayedProofIsRejected() throws Exception {
        AtomicReference<byte[]> recorded = new AtomicReference<>();
        client.proofMaker((self, nonce, hash, alpn) -> {
            byte[] p = ClientProof.create(self, nonce, hash, alpn);
            recorded.set(p);
            return p;
        });
        client.dial(server.localAddr(), QuicTestSupport.ALPN_A).get(20, TimeUnit.SECONDS);
        assertNotNull(inbound.poll(20, TimeUnit.SECONDS));
        byte[] old = recorded.get();
        assertRejected((self, nonce, hash, alpn) -> old);
    }

    @Test
    void clientThatGrantsNoStreamForTheChallengeIsClosedToo() throws Exception {
        QuicClientConnection raw = rawClient(0);
        CompletableFuture<ConnectionTerminatedEvent> ended = new CompletableFuture<>();
        raw.setConnectionListener(ended::complete);
        raw.connect();
        try {
            ConnectionTerminatedEvent e = ended.get(AUTH_TIMEOUT.multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(CloseCode.AUTHENTICATION_FAILED, e.applicationErrorCode());
            assertNull(inbound.poll());
        } finally {
            raw.close();
        }
    }

    private QuicClientConnection rawClient(int bidiCredit) throws Exception {
        InetSocketAddress addr = server.localAddr().directAddresses().get(0);
        return QuicClientConnection.newBuilder()
                .host(NodeCertificates.dnsName(server.localAddr().id()))
                .port(addr.getPort())
                .proxy(addr.getAddress().getHostAddress())
                .applicationProtocol(QuicTestSupport.ALPN_A)
                .customTrustManager(new NodeTrustManager(server.localAddr().id()))
                .maxOpenPeerInitiatedBidirectionalStreams(bidiCredit)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Test
    void clientThatNeverProvesIsClosedAndItsStreamsAreNeverServed() throws Exception {
        InetSocketAddress addr = server.localAddr().directAddresses().get(0);
        QuicClientConnection raw = QuicClientConnection.newBuilder()
                .host(NodeCertificates.dnsName(server.localAddr().id()))
                .port(addr.getPort())
                .proxy(addr.getAddress().getHostAddress())
                .applicationProtocol(QuicTestSupport.ALPN_A)
                .customTrustManager(new NodeTrustManager(server.localAddr().id()))
                .maxOpenPeerInitiatedBidirectionalStreams(4)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        CompletableFuture<ConnectionTerminatedEvent> ended = new CompletableFuture<>();
        raw.setConnectionListener(ended::complete);
        raw.setPeerInitiatedStreamCallback(s -> { }); // ignores the challenge
        raw.connect();
        try {
            QuicStream app = raw.createStream(true);
            app.getOutputStream().write("let me in".getBytes(StandardCharsets.UTF_8));
            app.getOutputStream().close();
            ConnectionTerminatedEvent e = ended.get(AUTH_TIMEOUT.multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(e.closedByPeer());
            assertEquals(CloseCode.AUTHENTICATION_FAILED, e.applicationErrorCode());
            assertNull(inbound.poll(), "no handler may see an unauthenticated connection");
            assertEquals(1, server.stats().authFailures());
        } finally {
            raw.close();
        }
    }
}
