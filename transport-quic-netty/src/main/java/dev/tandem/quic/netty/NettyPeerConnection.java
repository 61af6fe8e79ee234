package dev.tandem.quic.netty;

import dev.tandem.core.NodeId;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PathKind;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.quic.ConnectionLifecycle;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty {@link QuicChannel} as a {@link PeerConnection}, once its peer is authenticated. Also the connection's
 * handler on the event loop: it records the peer's CONNECTION_CLOSE, notices the end of the connection and
 * stream-limit changes, and never blocks.
 */
final class NettyPeerConnection extends ChannelInboundHandlerAdapter implements PeerConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NettyPeerConnection.class);

    private final NettyQuicTransport transport;
    private final boolean client;
    private final String alpn;
    private final StreamLimits limits;
    private final InetSocketAddress remoteAddress;
    private final ConnectionLifecycle life = new ConnectionLifecycle();
    private final Set<NettyPeerStream> streams = ConcurrentHashMap.newKeySet();
    private final Object limitChanged = new Object();
    private volatile QuicChannel channel;
    private volatile NodeId remote;
    private volatile ConnectionClosedException peerClose;
    private volatile byte[] localConnectionId;

    NettyPeerConnection(NettyQuicTransport transport, boolean client, String alpn, StreamLimits limits,
            NodeId remote, InetSocketAddress remoteAddress) {
        this.transport = transport;
        this.client = client;
        this.alpn = alpn;
        this.limits = limits;
        this.remote = remote;
        this.remoteAddress = remoteAddress;
    }

    NettyQuicTransport transport() {
        return transport;
    }

    QuicChannel channel() {
        return channel;
    }

    /**
     * The largest UDP payload this connection sends now: {@link NettySettings#maxUdpPayload()} until path MTU
     * discovery finds the path carries more. Asks the event loop, so it may wait briefly.
     *
     * @throws IOException when the connection has ended or does not answer within a second
     */
    public long pathMtu() throws IOException {
        QuicChannel ch = channel;
        if (ch == null || !ch.isActive()) {
            throw new IOException("connection to " + remoteLabel() + " is not open");
        }
        io.netty.util.concurrent.Future<QuicConnectionPathStats> f = ch.collectPathStats(0);
        if (!f.awaitUninterruptibly(1, TimeUnit.SECONDS) || !f.isSuccess()) {
            throw new IOException("no path statistics from the connection to " + remoteLabel(), f.cause());
        }
        return f.getNow().pmtu();
    }

    /** QUIC packets this connection has sent so far (for tests and diagnostics); asks the event loop. */
    long packetsSent() throws IOException {
        QuicChannel ch = channel;
        if (ch == null || !ch.isActive()) {
            throw new IOException("connection to " + remoteLabel() + " is not open");
        }
        io.netty.util.concurrent.Future<io.netty.handler.codec.quic.QuicConnectionStats> f = ch.collectStats();
        if (!f.awaitUninterruptibly(1, TimeUnit.SECONDS) || !f.isSuccess()) {
            throw new IOException("no statistics from the connection to " + remoteLabel(), f.cause());
        }
        return f.getNow().sent();
    }

    void channel(QuicChannel ch) {
        this.channel = ch;
    }

    void localConnectionId(byte[] cid) {
        this.localConnectionId = cid;
    }

    byte[] localConnectionId() {
        return localConnectionId;
    }

    StreamLimits limits() {
        return limits;
    }

    void authenticated(NodeId peer) {
        this.remote = peer;
    }

    String remoteLabel() {
        NodeId r = remote;
        return r == null ? "unauthenticated peer" : r.shortForm();
    }

    // ------------------------------------------------------------------------------------ event loop side

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = (QuicChannel) ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicConnectionCloseEvent e) {
            peerClose = map(e);
        } else if (evt instanceof QuicStreamLimitChangedEvent) {
            synchronized (limitChanged) {
                limitChanged.notifyAll();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ConnectionClosedException how = peerClose;
        if (how == null) {
            QuicChannel ch = channel;
            how = ch != null && ch.isTimedOut()
                    ? new ConnectionClosedException(CloseCode.IDLE_TIMEOUT, "idle timeout", false)
                    : new ConnectionClosedException(CloseCode.INTERNAL_ERROR, "connection lost", false);
        }
        terminate(how);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: {}", this, cause.toString());
    }

    /** The peer's CONNECTION_CLOSE as Tandem sees it. */
    static ConnectionClosedException map(QuicConnectionCloseEvent e) {
        byte[] r;
        try {
            r = e.reason();
        } catch (NullPointerException npe) { // Netty 4.2.18 throws when the peer sent no reason phrase
            r = null;
        }
        String reason = r == null ? "" : new String(r, StandardCharsets.UTF_8);
        if (e.isApplicationClose()) {
            return new ConnectionClosedException(ConnectionLifecycle.fromWire(Integer.toUnsignedLong(e.error())), reason, true);
        }
        if (e.error() == 0) {
            return new ConnectionClosedException(CloseCode.NORMAL, reason, true);
        }
        String what = e.isTlsError() ? "TLS alert " + QuicConnectionCloseEvent.extractTlsError(e.error())
                : "QUIC transport error " + e.error();
        return new ConnectionClosedException(CloseCode.PROTOCOL_ERROR, what + (reason.isEmpty() ? "" : ": " + reason),
                true);
    }

    /** Records how the connection ended; the first call wins. Wakes acceptors, openers, readers and writers. */
    boolean terminate(ConnectionClosedException how) {
        if (!life.terminate(how)) {
            return false;
        }
        synchronized (limitChanged) {
            limitChanged.notifyAll();
        }
        for (NettyPeerStream s : streams) {
            s.connectionClosed(how);
        }
        transport.forget(this);
        return true;
    }

    ConnectionClosedException closedNow() {
        return life.closedNow();
    }

    /** Event loop: a stream the peer opened. Held until {@link #acceptStream()} (unreadable before authentication). */
    void onPeerStream(NettyPeerStream s) {
        streams.add(s);
        life.accepted(s);
    }

    void streamDone(NettyPeerStream s) {
        streams.remove(s);
    }

    // ------------------------------------------------------------------------------------ PeerConnection

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
        return open(QuicStreamType.BIDIRECTIONAL);
    }

    @Override
    public PeerStream openUnidirectional() throws IOException {
        return open(QuicStreamType.UNIDIRECTIONAL);
    }

    /** Opens a stream; waits while the peer's stream limit is reached (quiche refuses the stream then). */
    private PeerStream open(QuicStreamType type) throws IOException {
        while (true) {
            checkOpen();
            NettyPeerStream s = new NettyPeerStream(this, true, type == QuicStreamType.BIDIRECTIONAL,
                    transport.receiveQueueBytes(limits));
            streams.add(s);
            Future<QuicStreamChannel> f = channel.createStream(type, s);
            try {
                f.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                streams.remove(s);
                throw new InterruptedIOException("interrupted while opening a stream");
            }
            if (f.isSuccess()) {
                s.bind(f.getNow());
                return s;
            }
            streams.remove(s);
            checkOpen();
            LOG.debug("{}: stream not opened ({}); waiting for stream credit", this, String.valueOf(f.cause()));
            synchronized (limitChanged) {
                try {
                    limitChanged.wait(100); // woken by QuicStreamLimitChangedEvent or close; re-checked on timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for stream credit");
                }
            }
        }
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
            QuicChannel ch = channel;
            if (ch != null) {
                ch.close(true, NettyPeerStream.wireCode(ConnectionLifecycle.toWire(code)),
                        Unpooled.copiedBuffer(r, StandardCharsets.UTF_8));
            }
        }
    }

    @Override
    public CompletionStage<ConnectionClosedException> closed() {
        return life.stage();
    }

    /** Waits for the close to be sent (bounded). */
    void awaitChannelClosed(long millis) {
        QuicChannel ch = channel;
        if (ch != null) {
            ch.closeFuture().awaitUninterruptibly(millis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public String toString() {
        return "NettyPeerConnection[" + alpn + (client ? " to " : " from ") + remoteLabel() + " at " + remoteAddress
                + "]";
    }
}
