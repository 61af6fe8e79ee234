package dev.tandem.quic;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.InboundConnectionHandler;
import dev.tandem.core.transport.PeerAuthenticationException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerUnreachableException;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.core.transport.TransportException;
import dev.tandem.quic.auth.ClientProof;
import dev.tandem.quic.auth.NodeCertificates;
import dev.tandem.quic.auth.NodeTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnection;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * The Tandem {@link Transport} over QUIC, built on kwik 0.10.8 (used unmodified, through its public API).
 *
 * <ul>
 *   <li>One UDP socket per node ({@link DemuxSocket}): kwik's server connector and every dialled connection
 *       share it.</li>
 *   <li>Server identity inside TLS: an ephemeral P-256 certificate signed by the node's Ed25519 key
 *       ({@link NodeCertificates}), pinned by the dialler ({@link NodeTrustManager}).</li>
 *   <li>Client identity in-band right after the handshake ({@link ClientProof}); no protocol sees a
 *       connection before it completes, on either side.</li>
 *   <li>A write watchdog ({@link WriteWatchdog}) works around kwik 0.10.8's stalled-writer bug.</li>
 * </ul>
 * See the module README for the wire details.
 */
public final class QuicTransport implements Transport, TransportStats.Source {
    private static final Logger LOG = LoggerFactory.getLogger(QuicTransport.class);
    /** The least a first handshake attempt gets before other addresses or a retry are tried. */
    private static final Duration MIN_FIRST_ATTEMPT = Duration.ofSeconds(1);
    /** kwik's connect timeout fires a little before or after ours; this decides "it timed out". */
    private static final long HANDSHAKE_DEADLINE_SLACK = TimeUnit.MILLISECONDS.toNanos(100);
    /** Reported as {@code StreamResetException.code()}: kwik 0.10.8 does not surface the peer's reset code. */
    public static final long UNKNOWN_RESET_CODE = -1;
    /** The in-band authentication uses the first server-initiated bidirectional stream. */
    static final int AUTH_STREAM_ID = 1;
    private static final char[] KEY_PASSWORD = "tandem".toCharArray();
    private static final Duration SERVER_CLOSE_WAIT = Duration.ofMillis(1500);
    /**
     * How long a client whose proof failed waits for the server's close, which says why (not paired, busy, ...). kwik
     * fails the stream read first and reports the close on a thread of its own; 1 s once proved too short on a loaded
     * CI machine. Only a failed dial waits this long, and only if no close has arrived.
     */
    private static final Duration CLOSE_REASON_WAIT = Duration.ofSeconds(3);

    private final NetworkIdentity identity;
    private final QuicSettings settings;
    private final Set<QuicPeerConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong authFailures = new AtomicLong();
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private volatile TransportConfig config;
    private volatile InboundConnectionHandler inbound;
    private volatile DemuxSocket socket;
    private volatile ServerConnector server;
    private volatile WriteWatchdog watchdog;
    private volatile byte[] certHash;
    private volatile boolean closed;
    /** Test hook: makes the client proof this node sends (honestly, by default). */
    private volatile ClientProof.Maker proofMaker = ClientProof::create;

    public QuicTransport(NetworkIdentity identity) {
        this(identity, QuicSettings.DEFAULTS);
    }

    public QuicTransport(NetworkIdentity identity, QuicSettings settings) {
        this.identity = identity;
        this.settings = settings;
        String tag = identity.nodeId().shortForm();
        this.workers = Executors.newCachedThreadPool(daemon("tandem-quic-" + tag + "-worker"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("tandem-quic-" + tag + "-timer"));
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String name() {
        return "kwik";
    }

    public QuicSettings settings() {
        return settings;
    }

    @Override
    public synchronized void start(TransportConfig config, InboundConnectionHandler inbound) throws IOException {
        if (this.config != null) {
            throw new IllegalStateException("transport already started");
        }
        if (closed) {
            throw new IllegalStateException("transport closed");
        }
        KeyStore keyStore;
        try {
            NodeCertificates.NodeTlsCredentials creds = NodeCertificates.create(identity);
            keyStore = creds.keyStore(KEY_PASSWORD);
            certHash = creds.certificateHash();
        } catch (GeneralSecurityException e) {
            throw new TransportException("cannot create the node's TLS certificate", e);
        }
        DemuxSocket s = new DemuxSocket(config.bindAddress(), settings.socketBufferBytes());
        try {
            int maxBidi = 1;
            int maxUni = 0;
            int maxWindow = 64 * 1024;
            for (StreamLimits l : config.alpns().values()) {
                maxBidi = Math.max(maxBidi, l.maxBidirectional());
                maxUni = Math.max(maxUni, l.maxUnidirectional());
                maxWindow = Math.max(maxWindow, l.streamWindow());
            }
            ServerConnectionConfig serverConfig = ServerConnectionConfig.builder()
                    .maxIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()))
                    .maxOpenPeerInitiatedBidirectionalStreams(maxBidi)
                    .maxOpenPeerInitiatedUnidirectionalStreams(maxUni)
                    .maxBidirectionalStreamBufferSize(maxWindow)
                    .maxUnidirectionalStreamBufferSize(maxWindow)
                    .maxConnectionBufferSize(Math.max(settings.connectionWindowBytes(), maxWindow))
                    .connectionIdLength(DemuxSocket.CLIENT_CID_LENGTH)
                    .retryRequired(false)
                    .build();
            ServerConnector connector = ServerConnector.builder()
                    .withSocket(s.serverView())
                    .withKeyStore(keyStore, NodeCertificates.ALIAS, KEY_PASSWORD, "secp256r1")
                    .withConfiguration(serverConfig)
                    .withLogger(new KwikSlf4jLogger())
                    .build();
            for (Map.Entry<String, StreamLimits> e : config.alpns().entrySet()) {
                connector.registerApplicationProtocol(e.getKey(), new Factory(e.getKey(), e.getValue()));
            }
            this.config = config;
            this.inbound = inbound;
            this.socket = s;
            this.watchdog = new WriteWatchdog(timer, settings);
            connector.start();
            this.server = connector;
        } catch (GeneralSecurityException | RuntimeException e) {
            s.close();
            throw new TransportException("cannot start the QUIC server: " + e.getMessage(), e);
        }
        LOG.debug("QUIC transport of {} listening on {} for {}", identity.nodeId().shortForm(), s.localAddress(),
                config.alpns().keySet());
    }

    @Override
    public NodeAddr localAddr() {
        DemuxSocket s = socket;
        if (s == null) {
            throw new IllegalStateException("transport not started");
        }
        List<InetSocketAddress> addrs = LocalAddresses.of(s.localAddress());
        return new NodeAddr(identity.nodeId(), addrs, Optional.empty());
    }

    /** Counters since start: nudges, stalls, authentication failures, datagrams dropped. */
    @Override
    public TransportStats stats() {
        WriteWatchdog w = watchdog;
        DemuxSocket s = socket;
        return new TransportStats(w == null ? 0 : w.nudges(), w == null ? 0 : w.nudgedWrites(),
                w == null ? 0 : w.stalls(), authFailures.get(), s == null ? 0 : s.droppedDatagrams(),
                s == null ? 0 : s.sendFailures());
    }

    WriteWatchdog watchdog() {
        return watchdog;
    }

    void forget(QuicPeerConnection c) {
        connections.remove(c);
    }

    /** Test hook: replaces how this node makes its client proof (to send forged ones). */
    void proofMaker(ClientProof.Maker maker) {
        this.proofMaker = maker;
    }


    // ------------------------------------------------------------------------------------------ dialling

    @Override
    public CompletableFuture<PeerConnection> dial(NodeAddr peer, String alpn) {
        if (closed || config == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("transport not running"));
        }
        CompletableFuture<PeerConnection> result = new CompletableFuture<>();
        try {
            workers.execute(() -> {
                try {
                    result.complete(dialAll(peer, alpn));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("transport closed", e));
        }
        return result;
    }

    /**
     * Tries each direct address in turn. A first attempt gets only a share of the connect timeout, so one dead
     * address (an unrouted IPv6 one, say) cannot use it all up; addresses whose handshake timed out are then
     * tried again with what is left. The retry also covers a handshake that kwik 0.10.8 occasionally never
     * completes on a lossy path (seen about once in a thousand loopback dials under heavy load): a fresh
     * connection, with fresh connection ids, goes through at once.
     */
    private PeerConnection dialAll(NodeAddr peer, String alpn) throws IOException {
        if (peer.directAddresses().isEmpty()) {
            throw new PeerUnreachableException("node " + peer.id().shortForm()
                    + " has no direct address (relayed paths are not supported by this transport)");
        }
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        List<InetSocketAddress> addrs = peer.directAddresses();
        long share = Math.max(MIN_FIRST_ATTEMPT.toNanos(), config.connectTimeout().toNanos() / (addrs.size() + 1));
        List<String> failures = new ArrayList<>();
        List<InetSocketAddress> timedOut = new ArrayList<>();
        for (InetSocketAddress addr : addrs) {
            if (System.nanoTime() >= deadline) {
                break;
            }
            try {
                return dialOne(peer.id(), addr, alpn, Math.min(deadline, System.nanoTime() + share), deadline);
            } catch (HandshakeTimeoutException e) {
                timedOut.add(addr);
                failures.add(addr + ": " + e.getMessage());
            } catch (PeerAuthenticationException | ConnectionClosedException e) {
                throw e;
            } catch (IOException e) {
                failures.add(addr + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < timedOut.size() && System.nanoTime() < deadline; i++) {
            InetSocketAddress addr = timedOut.get(i);
            long left = deadline - System.nanoTime();
            LOG.debug("QUIC handshake with {} timed out; trying it again with {} ms left", addr, left / 1_000_000);
            try {
                return dialOne(peer.id(), addr, alpn, System.nanoTime() + left / (timedOut.size() - i), deadline);
            } catch (PeerAuthenticationException | ConnectionClosedException e) {
                throw e;
            } catch (IOException e) {
                failures.add(addr + " (again): " + e.getMessage());
            }
        }
        throw new PeerUnreachableException("cannot reach node " + peer.id().shortForm() + " for " + alpn + ": "
                + String.join("; ", failures));
    }

    /** The QUIC handshake did not finish within its share of the connect timeout. */
    private static final class HandshakeTimeoutException extends PeerUnreachableException {
        HandshakeTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PeerConnection dialOne(NodeId expected, InetSocketAddress addr, String alpn, long handshakeDeadline,
            long deadline) throws IOException {
        if (addr.isUnresolved()) {
            throw new PeerUnreachableException("unresolved address " + addr);
        }
        Duration left = remaining(handshakeDeadline);
        StreamLimits limits = config.alpns().getOrDefault(alpn, StreamLimits.DEFAULT);
        NodeTrustManager trust = new NodeTrustManager(expected);
        DemuxSocket s = socket;
        QuicClientConnection.Builder b = QuicClientConnection.newBuilder()
                .host(NodeCertificates.dnsName(expected))
                .port(addr.getPort())
                .proxy(addr.getAddress().getHostAddress())
                .applicationProtocol(alpn)
                .customTrustManager(trust)
                .socketFactory(ignored -> s.newClientView(addr))
                .connectTimeout(left)
                .maxIdleTimeout(config.idleTimeout())
                .defaultStreamReceiveBufferSize((long) Math.max(1500, limits.streamWindow()))
                .maxOpenPeerInitiatedBidirectionalStreams(Math.max(1, limits.maxBidirectional()))
                .maxOpenPeerInitiatedUnidirectionalStreams(limits.maxUnidirectional())
                .connectionIdLength(DemuxSocket.CLIENT_CID_LENGTH)
                .logger(new KwikSlf4jLogger());
        if (addr.getAddress() instanceof Inet6Address) {
            b.preferIPv6();
        }
        QuicClientConnection quic = b.build();
        QuicPeerConnection pc = new QuicPeerConnection(this, quic, true, alpn, expected, addr);
        CompletableFuture<QuicStream> authStream = new CompletableFuture<>();
        quic.setPeerInitiatedStreamCallback(st -> {
            if (st.getStreamId() == AUTH_STREAM_ID && !authStream.isDone()) {
                authStream.complete(st);
            } else if (!st.isUnidirectional() && limits.maxBidirectional() == 0) {
                st.resetStream(CloseCode.PROTOCOL_ERROR); // the one slot granted is for authentication only
            } else {
                pc.onPeerStream(st);
            }
        });
        quic.setConnectionListener(pc::onTerminated);
        pc.closed().whenComplete((how, x) -> authStream.completeExceptionally(how));
        try {
            quic.connect();
        } catch (IOException e) {
            pc.terminate(new ConnectionClosedException(CloseCode.NORMAL, "handshake failed", false));
            if (trust.failure() != null) {
                throw new PeerAuthenticationException("the node at " + addr + " is not " + expected.shortForm() + ": "
                        + trust.failure(), e);
            }
            if (System.nanoTime() >= handshakeDeadline - HANDSHAKE_DEADLINE_SLACK) {
                throw new HandshakeTimeoutException("QUIC handshake with " + addr + " for " + alpn + " timed out after "
                        + left.toMillis() + " ms", e);
            }
            throw new PeerUnreachableException("QUIC handshake with " + addr + " for " + alpn + " failed: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            pc.close(CloseCode.INTERNAL_ERROR, "");
            throw new PeerUnreachableException("QUIC handshake with " + addr + " failed: " + e, e);
        }
        connections.add(pc);
        if (closed) {
            pc.close(CloseCode.SHUTDOWN, "node shutting down");
            throw new PeerUnreachableException("transport closed while dialling");
        }
        if (!config.keepAliveInterval().isZero() && config.idleTimeout().toMillis() >= 2000) {
            // kwik pings every (negotiated idle / 2) whole seconds; below 2 s that would be every 0 s.
            try {
                quic.keepAlive(Integer.MAX_VALUE);
            } catch (IllegalStateException e) {
                // closed again right after the handshake; the authentication below reports how
                LOG.debug("keep-alive not started on {}: {}", pc, e.toString());
            }
        }
        ScheduledFuture<?> timeout = timer.schedule(
                () -> pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication timed out"),
                Math.max(remaining(deadline).toMillis(), settings.authTimeout().toMillis()), TimeUnit.MILLISECONDS);
        try {
            proveIdentity(pc, quic, expected, trust, alpn, authStream);
            timeout.cancel(false);
        } catch (IOException | RuntimeException e) {
            timeout.cancel(false);
            // kwik's close event trails stream errors: how the peer closed, if it did or does within a moment
            ConnectionClosedException how = pc.closedWithin(CLOSE_REASON_WAIT).orElse(null);
            LOG.debug("authentication with {} failed ({}); the connection closed: {}", expected.shortForm(),
                    e.toString(), how == null ? "not yet" : how.code() + " " + how.getMessage());
            pc.close(CloseCode.AUTHENTICATION_FAILED, "client authentication failed");
            if (how != null && how.byPeer() && how.code() == CloseCode.AUTHENTICATION_FAILED) {
                throw new PeerAuthenticationException("node " + expected.shortForm() + " rejected our node proof: "
                        + how.reason(), e);
            }
            if (how != null && how.byPeer() && how.code() != CloseCode.INTERNAL_ERROR) {
                // The peer accepted the proof and then closed on purpose (NOT_PAIRED, BUSY, SHUTDOWN, ...); kwik drops
                // its unread "accepted" byte when the close arrives first. The close itself is the answer.
                throw how;
            }
            if (e instanceof PeerAuthenticationException pae) {
                throw pae;
            }
            throw new PeerAuthenticationException("authentication with node " + expected.shortForm()
                    + " did not complete: " + e.getMessage(), e);
        }
        return pc;
    }

    private void proveIdentity(QuicPeerConnection pc, QuicClientConnection quic, NodeId expected,
            NodeTrustManager trust, String alpn, CompletableFuture<QuicStream> authStream) throws IOException {
        List<X509Certificate> chain = quic.getServerCertificateChain();
        if (chain.isEmpty()) {
            throw new PeerAuthenticationException("server presented no certificate");
        }
        byte[] serverCertHash;
        try {
            if (!trust.accepted(chain.get(0))) {
                NodeTrustManager.verifyLeaf(chain.get(0), expected); // kwik handed us a leaf our check did not see
            }
            serverCertHash = NodeCertificates.sha256(chain.get(0));
        } catch (CertificateException e) {
            throw new PeerAuthenticationException("server certificate does not belong to " + expected.shortForm(), e);
        }
        QuicStream st;
        try {
            st = authStream.get(settings.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PeerAuthenticationException("server did not start authentication within "
                    + settings.authTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new TransportException("connection closed during authentication: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while authenticating");
        }
        InputStream in = st.getInputStream();
        OutputStream out = st.getOutputStream();
        byte[] nonce = in.readNBytes(ClientProof.NONCE_LENGTH);
        if (nonce.length != ClientProof.NONCE_LENGTH) {
            throw new PeerAuthenticationException("server sent a short authentication challenge");
        }
        byte[] proof = proofMaker.make(identity, nonce, serverCertHash, alpn);
        out.write(proof);
        out.close();
        int ok = in.read();
        if (ok != ClientProof.OK) {
            throw new PeerAuthenticationException("server did not accept our node proof");
        }
        st.abortReading(CloseCode.NORMAL); // frees the stream slot; the server has sent FIN or is about to
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
    }

    // ------------------------------------------------------------------------------------------ accepting

    /** kwik's per-ALPN hook. Runs on kwik's receiver thread: hands everything to our own threads. */
    private final class Factory implements ApplicationProtocolConnectionFactory {
        private final String alpn;
        private final StreamLimits limits;

        Factory(String alpn, StreamLimits limits) {
            this.alpn = alpn;
            this.limits = limits;
        }

        @Override
        public ApplicationProtocolConnection createConnection(String protocol, QuicConnection quic) {
            InetSocketAddress from = ((ServerConnection) quic).getInitialRemoteAddress();
            QuicPeerConnection pc = new QuicPeerConnection(QuicTransport.this, quic, false, alpn, null, from);
            quic.setConnectionListener(pc::onTerminated);
            connections.add(pc);
            if (closed) {
                pc.close(CloseCode.SHUTDOWN, "node shutting down");
            } else {
                workers.execute(() -> authenticateClient(pc));
            }
            // Streams the client opens before it is authenticated are held in pc's queue, which nobody can
            // read until pc is handed to the inbound handler after a valid proof.
            return new ApplicationProtocolConnection() {
                @Override
                public void acceptPeerInitiatedStream(QuicStream stream) {
                    pc.onPeerStream(stream);
                }
            };
        }

        @Override
        public int maxConcurrentPeerInitiatedBidirectionalStreams() {
            return limits.maxBidirectional();
        }

        @Override
        public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
            return limits.maxUnidirectional();
        }

        @Override
        public int minBidirectionalStreamReceiverBufferSize() {
            return limits.streamWindow();
        }

        @Override
        public long maxBidirectionalStreamReceiverBufferSize() {
            return limits.streamWindow();
        }

        @Override
        public int minUnidirectionalStreamReceiverBufferSize() {
            return limits.streamWindow();
        }

        @Override
        public long maxUnidirectionalStreamReceiverBufferSize() {
            return limits.streamWindow();
        }
    }

    private void authenticateClient(QuicPeerConnection pc) {
        ScheduledFuture<?> timeout = timer.schedule(() -> {
            if (pc.remoteNodeId() == null && pc.isOpen()) {
                authFailures.incrementAndGet();
                LOG.info("client at {} did not authenticate within {} ms; closing", pc.remoteAddress(),
                        settings.authTimeout().toMillis());
                pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication timed out");
            }
        }, settings.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
        NodeId client;
        QuicStream st;
        try {
            st = pc.createQuicStream(true); // fails when the timeout closes pc, even if the client grants no credit
            if (st.getStreamId() != AUTH_STREAM_ID) {
                throw new TransportException("authentication stream has id " + st.getStreamId());
            }
            byte[] nonce = ClientProof.newNonce();
            st.getOutputStream().write(nonce);
            byte[] proof = st.getInputStream().readNBytes(ClientProof.PROOF_LENGTH);
            client = ClientProof.verify(proof, nonce, certHash, pc.alpn());
            if (client == null) {
                timeout.cancel(false);
                authFailures.incrementAndGet();
                LOG.info("client at {} sent an invalid node proof for {}; closing", pc.remoteAddress(), pc.alpn());
                pc.close(CloseCode.AUTHENTICATION_FAILED, "invalid client proof");
                return;
            }
            pc.authenticated(client);
            st.getOutputStream().write(ClientProof.OK);
            st.getOutputStream().close();
            st.abortReading(CloseCode.NORMAL); // all 96 bytes are in; frees the slot without waiting for FIN
        } catch (IOException | RuntimeException e) {
            timeout.cancel(false);
            if (pc.isOpen()) {
                authFailures.incrementAndGet();
                LOG.info("authentication of client at {} failed: {}", pc.remoteAddress(), e.toString());
                pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication failed");
            } else {
                LOG.debug("connection from {} closed during authentication: {}", pc.remoteAddress(), e.toString());
            }
            return;
        }
        timeout.cancel(false);
        if (!pc.isOpen()) {
            return;
        }
        try {
            inbound.onConnection(pc);
        } catch (RuntimeException e) {
            LOG.warn("inbound connection handler failed for {}; closing the connection", pc, e);
            pc.close(CloseCode.INTERNAL_ERROR, "handler failed");
        }
    }

    // ------------------------------------------------------------------------------------------ closing

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shutdown("node shutting down");
    }

    /**
     * Test hook: the node vanishes as if its process died. Nothing more is sent (no CONNECTION_CLOSE reaches
     * any peer); local resources are released.
     */
    public void crash() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        DemuxSocket s = socket;
        if (s != null) {
            s.kill();
        }
        shutdown("process died");
    }

    private void shutdown(String reason) {
        for (QuicPeerConnection c : List.copyOf(connections)) {
            c.close(CloseCode.SHUTDOWN, reason);
        }
        ServerConnector srv = server;
        if (srv != null) {
            // ServerConnector.close() returns once its connections have sent CONNECTION_CLOSE and terminated,
            // but kwik 0.10.8 sometimes keeps a connection that failed its handshake registered, and then
            // waits its full 30 s. Bound the wait; kwik finishes (and closes the server view) on its own.
            Thread closer = new Thread(srv::close, "tandem-quic-server-close");
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(SERVER_CLOSE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                LOG.debug("kwik's server connector is still closing after {} ms; continuing",
                        SERVER_CLOSE_WAIT.toMillis());
            }
        }

        DemuxSocket s = socket;
        if (s != null) {
            // Dialled connections sent CONNECTION_CLOSE when closed above; kwik keeps each in its closing
            // state for 3 x PTO (seconds, after a slow handshake). Give the sends a moment, then release the
            // socket; views still attached stay quiet until kwik terminates them.
            if (!s.awaitNoClientViews(Duration.ofMillis(500))) {
                LOG.debug("{} dialled connection(s) still in their closing period", s.clientViewCount());
            }
            s.releaseSocket();
        }
        WriteWatchdog w = watchdog;
        if (w != null) {
            w.stop();
        }
        timer.shutdownNow();
        workers.shutdownNow();
    }

    @Override
    public String toString() {
        DemuxSocket s = socket;
        return "QuicTransport[" + identity.nodeId().shortForm() + (s == null ? "" : " @" + s.localAddress()) + "]";
    }
}
