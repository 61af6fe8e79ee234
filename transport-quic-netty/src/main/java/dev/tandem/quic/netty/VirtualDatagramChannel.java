package dev.tandem.quic.netty;

import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A datagram channel with no socket of its own: a QUIC codec (server or client) sits on it, receives the
 * datagrams {@link DatagramDemux} routes to it and its writes go to the demux's {@link DatagramDemux.Sink}. This
 * is how one real UDP socket serves both Netty QUIC roles, and the seam where a relay path can plug in.
 * Registered on the same event loop as the real socket: everything here runs on that one thread.
 */
final class VirtualDatagramChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    private final DatagramDemux demux;
    private final DefaultChannelConfig config = new DefaultChannelConfig(this);
    private final String role;
    private volatile boolean open = true;
    private final AtomicBoolean recheckPending = new AtomicBoolean();

    VirtualDatagramChannel(DatagramDemux demux, String role) {
        super(null);
        this.demux = demux;
        this.role = role;
    }

    String role() {
        return role;
    }

    /**
     * Has the QUIC codec on this channel ask quiche again which streams of each connection are writable, as it does
     * when its socket turns writable (see {@code NettyPeerStream}: how a writer learns of a peer's STOP_SENDING).
     * Requests made while one is pending are folded into it, so many waiting writers cost one pass. From any thread.
     */
    void recheckWritability() {
        if (recheckPending.compareAndSet(false, true)) {
            try {
                eventLoop().execute(() -> {
                    recheckPending.set(false);
                    pipeline().fireChannelWritabilityChanged();
                });
            } catch (RuntimeException e) {
                recheckPending.set(false);
                throw e;
            }
        }
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("a virtual datagram channel is not connected"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return demux.localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        // bound through the demux's real socket
    }

    @Override
    protected void doDisconnect() {
        // never connected
    }

    @Override
    protected void doClose() {
        open = false;
        demux.detach(this);
    }

    @Override
    protected void doBeginRead() {
        // datagrams are pushed by the demux
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        DatagramDemux.Sink sink = demux.sink();
        boolean wrote = false;
        for (Object m = in.current(); m != null; m = in.current()) {
            if (sink != null) {
                sink.send(ReferenceCountUtil.retain(m));
                wrote = true;
            }
            in.remove();
        }
        if (wrote) {
            sink.flush();
        }
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && isRegistered();
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public String toString() {
        return "VirtualDatagramChannel[" + role + "]";
    }
}
