package dev.tandem.quic.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes datagrams by QUIC destination connection id: a datagram addressed to a connection this node dialled
 * (its 8-byte source connection id, chosen by us at dial time) goes to that dial's client channel, everything
 * else to the server channel, whose codec does its own per-connection dispatch. So one UDP socket serves the
 * server codec and every client codec (Netty cannot put both roles on one channel).
 *
 * <p>Independent of where datagrams come from and go: the real UDP socket feeds {@link #route} and is the
 * {@link Sink}; a relay or hole-punching path can feed and drain the same demux later. All methods run on the
 * event loop of the socket, except {@link #register}/{@link #unregister}, which are thread-safe.
 */
final class DatagramDemux {
    /** Length of the connection ids this node chooses, as client and as server (short headers carry no length). */
    static final int CID_LENGTH = 8;

    /** Where datagrams leave the node. */
    interface Sink {
        /** Takes ownership of {@code packet} (a {@link DatagramPacket} or a segmented one). */
        void send(Object packet);

        void flush();
    }

    private final Map<ByteBuffer, VirtualDatagramChannel> clients = new ConcurrentHashMap<>();
    private final List<VirtualDatagramChannel> readPending = new ArrayList<>();
    private final List<Runnable> afterBatch = new ArrayList<>();
    private boolean inBatch;
    private final AtomicLong dropped = new AtomicLong();
    private volatile VirtualDatagramChannel server;
    private volatile Sink sink;
    private volatile InetSocketAddress localAddress;

    void attach(Sink sink, InetSocketAddress localAddress) {
        this.sink = sink;
        this.localAddress = localAddress;
    }

    /** Stops all output (crash or shutdown): later sends are dropped. */
    void detachSink() {
        this.sink = null;
    }

    Sink sink() {
        return sink;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    void server(VirtualDatagramChannel ch) {
        this.server = ch;
    }

    void register(byte[] connectionId, VirtualDatagramChannel ch) {
        clients.put(ByteBuffer.wrap(connectionId.clone()), ch);
    }

    void unregister(byte[] connectionId) {
        clients.remove(ByteBuffer.wrap(connectionId));
    }

    void detach(VirtualDatagramChannel ch) {
        clients.values().removeIf(c -> c == ch);
        if (server == ch) {
            server = null;
        }
    }

    int registeredClientIds() {
        return clients.size();
    }

    long droppedDatagrams() {
        return dropped.get();
    }

    /**
     * Runs {@code task} once at the end of the read batch under way (the same task given twice runs once), or
     * returns false when no batch is under way, so the caller acts at once. Streams use it to wake their reader once
     * per batch instead of once per datagram: a wake-up is a futex call, dearer than the packet.
     */
    boolean runAfterBatch(Runnable task) {
        if (!inBatch) {
            return false;
        }
        if (!afterBatch.contains(task)) {
            afterBatch.add(task);
        }
        return true;
    }

    /** One inbound datagram; takes ownership. */
    void route(DatagramPacket packet) {
        inBatch = true;
        VirtualDatagramChannel target = target(packet.content());
        if (target == null || !target.isActive()) {
            dropped.incrementAndGet();
            ReferenceCountUtil.release(packet);
            return;
        }
        if (!readPending.contains(target)) {
            readPending.add(target);
        }
        target.pipeline().fireChannelRead(packet);
    }

    /** End of a read batch: the codecs process and send on read-complete. */
    void readComplete() {
        try {
            for (Channel ch : readPending) {
                ch.pipeline().fireChannelReadComplete();
            }
        } finally {
            readPending.clear();
            inBatch = false;
            for (int i = 0; i < afterBatch.size(); i++) {
                afterBatch.get(i).run();
            }
            afterBatch.clear();
        }
    }

    private VirtualDatagramChannel target(ByteBuf b) {
        int i = b.readerIndex();
        int n = b.readableBytes();
        if (n < 1 + CID_LENGTH) {
            return server;
        }
        byte first = b.getByte(i);
        ByteBuffer dcid;
        if ((first & 0x80) != 0) { // long header: flags, version (4), DCID length (1), DCID
            if (n < 6) {
                return server;
            }
            int len = b.getUnsignedByte(i + 5);
            if (len != CID_LENGTH || n < 6 + len) {
                return server;
            }
            dcid = b.nioBuffer(i + 6, len);
        } else { // short header: flags, DCID (our fixed length)
            dcid = b.nioBuffer(i + 1, CID_LENGTH);
        }
        VirtualDatagramChannel c = clients.get(dcid);
        return c != null ? c : server;
    }
}
