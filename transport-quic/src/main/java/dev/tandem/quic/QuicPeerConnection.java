package dev.tandem.quic;

import dev.tandem.core.NodeId;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PathKind;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.TransportException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.ConnectionTerminatedEvent;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;

/** A kwik connection as a {@link PeerConnection}, once its peer is authenticated. */
final class QuicPeerConnection implements PeerConnection {
    private static final Logger LOG = LoggerFactory.getLogger(QuicPeerConnection.class);
    /** How long a failed stream operation waits for kwik's close event, which can trail the failure. */
    private static final Duration CLOSE_EVENT_WAIT = Duration.ofSeconds(2);

    private final QuicTransport transport;
    private final QuicConnection quic;
    private final boolean client;
    private final String alpn;
    private final InetSocketAddress remoteAddress;
    private final ConnectionLifecycle life = new ConnectionLifecycle();
    private final CompletableFuture<ConnectionClosedException> closed = life.future();
    private final Set<Thread> openers = new HashSet<>();
    private volatile NodeId remote;

    QuicPeerConnection(QuicTransport transport, QuicConnection quic, boolean client, String alpn, NodeId remote,
            InetSocketAddress remoteAddress) {
        this.transport = transport;
        this.quic = quic;
        this.client = client;
        this.alpn = alpn;
        this.remote = remote;
        this.remoteAddress = remoteAddress;
    }

    QuicTransport transport() {
        return transport;
    }

    QuicConnection quic() {
        return quic;
    }

    void authenticated(NodeId peer) {
        this.remote = peer;
    }

    String remoteNodeIdOrUnknown() {
        NodeId r = remote;
        return r == null ? "unauthenticated peer" : r.shortForm();
    }

    /** kwik callback thread: queue a peer stream for {@link #acceptStream()}. Returns at once. */
    void onPeerStream(QuicStream s) {
        life.accepted(new QuicPeerStream(this, s, false));
    }

    /** kwik callback thread: the connection ended. */
    void onTerminated(ConnectionTerminatedEvent e) {
        ConnectionClosedException how = map(e);
        LOG.debug("{}: kwik reported termination: {} {} byPeer={}", this, e.closeReason(), e.errorDescription(),
                e.closedByPeer());
        terminate(how);
        if (client) {
            // kwik stops a client's keep-alive timer thread only on a local close call.
            quic.close();
        }
    }

    static ConnectionClosedException map(ConnectionTerminatedEvent e) {
        boolean byPeer = e.closedByPeer();
        switch (e.closeReason()) {
            case IdleTimeout:
                return new ConnectionClosedException(CloseCode.IDLE_TIMEOUT, "idle timeout", false);
            case ConnectionLost:
                return new ConnectionClosedException(CloseCode.IDLE_TIMEOUT, "connection lost: peer stopped answering",
                        false);
            case StatelessReset:
                return new ConnectionClosedException(CloseCode.INTERNAL_ERROR, "stateless reset: peer lost the connection",
                        byPeer);
            default:
                break;
        }
        if (e.hasApplicationError()) {
            long wire = e.applicationErrorCode();
            return new ConnectionClosedException(ConnectionLifecycle.fromWire(wire), reasonOf(e.errorDescription(), wire), byPeer);
        }
        if (e.hasTransportError()) {
            return new ConnectionClosedException(CloseCode.PROTOCOL_ERROR, "QUIC: " + e.errorDescription(), byPeer);
        }
        return new ConnectionClosedException(CloseCode.NORMAL, "", byPeer);
    }

    /** kwik has no getter for the reason phrase: it is inside "Application error: CODE (REASON)". */
    static String reasonOf(String description, long code) {
        String prefix = "Application error: " + code + " (";
        if (description != null && description.startsWith(prefix) && description.endsWith(")")) {
            return description.substring(prefix.length(), description.length() - 1);
        }
        return "";
    }

    /** Records how the connection ended; the first call wins. Wakes acceptors and blocked openers. */
    boolean terminate(ConnectionClosedException how) {
        if (!life.terminate(how)) {
            return false;
        }
        synchronized (openers) {
            for (Thread t : openers) {
                t.interrupt(); // kwik's createStream never wakes on close; its interrupt path does
            }
        }
        transport.forget(this);
        return true;
    }

    /** How the connection closed; waits briefly for kwik's event, which may trail a stream error. */
    ConnectionClosedException closedException() {
        try {
            return closed.get(CLOSE_EVENT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // kwik aborts a connection on socket errors without any event: record it ourselves.
            terminate(new ConnectionClosedException(CloseCode.INTERNAL_ERROR, "connection aborted", false));
            return closed.getNow(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ConnectionClosedException(CloseCode.INTERNAL_ERROR, "interrupted", false);
        } catch (ExecutionException e) {
            throw new IllegalStateException("closed future never fails", e);
        }
    }

    @Override
    public NodeId remoteNodeId() {
        return remote;
    }

    @Override
    public String alpn() {
        return alpn;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public PathKind pathKind() {
        return PathKind.DIRECT;
    }

    @Override
    public boolean isClient() {
        return client;
    }

    @Override
    public PeerStream openBidirectional() throws IOException {
        return open(true);
    }

    @Override
    public PeerStream openUnidirectional() throws IOException {
        return open(false);
    }

    private PeerStream open(boolean bidi) throws IOException {
        return new QuicPeerStream(this, createQuicStream(bidi), true);
    }

    /**
     * kwik's {@code createStream}, which waits for stream credit, made to fail when this connection closes
     * (kwik never wakes that wait on close; an interrupt does).
     */
    QuicStream createQuicStream(boolean bidi) throws IOException {
        Thread me = Thread.currentThread();
        synchronized (openers) {
            checkOpen();
            openers.add(me);
        }
        QuicStream s;
        try {
            s = quic.createStream(bidi);
        } catch (IOException | RuntimeException e) {
            // kwik can fail the open on a peer's close before its close event reaches us: wait briefly for the reason
            ConnectionClosedException how = closed.isDone() ? closed.getNow(null)
                    : closedWithin(CLOSE_EVENT_WAIT).orElse(closed.getNow(null));
            if (how != null) {
                throw how;
            }
            throw new TransportException("cannot open a stream: " + e, e);
        } finally {
            synchronized (openers) {
                openers.remove(me);
            }
            if (closed.isDone()) {
                Thread.interrupted(); // the interrupt was ours, to wake kwik's credit wait
            }
        }
        checkOpen();
        return s;
    }

    private void checkOpen() throws ConnectionClosedException {
        life.checkOpen();
    }

    @Override
    public PeerStream acceptStream() throws IOException, InterruptedException {
        return life.take();
    }

    @Override
    public boolean isOpen() {
        return life.isOpen();
    }

    @Override
    public void close(long code, String reason) {
        String r = reason == null ? "" : reason;
        if (terminate(new ConnectionClosedException(code, r, false))) {
            quic.close(ConnectionLifecycle.toWire(code), r);
        }
    }

    @Override
    public CompletionStage<ConnectionClosedException> closed() {
        return life.stage();
    }

    @Override
    public String toString() {
        return "QuicPeerConnection[" + alpn + (client ? " to " : " from ") + remoteNodeIdOrUnknown() + " at "
                + remoteAddress + "]";
    }
}
