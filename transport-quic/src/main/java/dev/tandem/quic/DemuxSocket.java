package dev.tandem.quic;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real UDP socket shared by kwik's server connector and every outgoing client connection of a node.
 *
 * <p>kwik wants a {@link DatagramSocket} per endpoint: the server connector reads one for all inbound
 * connections, and each client connection reads (and on termination closes) its own. This class hands out
 * lightweight <em>views</em> of one bound socket: one {@linkplain #serverView() server view} and a
 * {@linkplain #newClientView client view} per dialled connection. A dispatcher thread reads the real
 * socket and routes each datagram by its QUIC <b>destination connection id</b>:
 * <ul>
 *   <li>a client view learns its own connection ids from the Source Connection ID of the long-header
 *       packets it sends (kwik's peers only ever address a client by the id from its first Initial; kwik
 *       servers never switch to other ids); a datagram whose destination id is one of them goes to that view;</li>
 *   <li>everything else goes to the server view, where kwik's connector does its own dispatch.</li>
 * </ul>
 * Routing by connection id rather than by address keeps two connections between the same pair of
 * addresses apart (A dials B while B dials A, or two ALPNs to one peer).
 *
 * <p>Rules kwik imposes, which this class keeps: the server view's {@code receive} never throws before the
 * view is closed (kwik 0.10.8 calls {@code System.exit} if it does), except when kwik interrupts its own
 * reader on shutdown; closing a client view only detaches it and wakes its reader; {@code send} never
 * throws for a single unreachable peer (kwik would abort the connection without an event), it drops the
 * datagram and counts it.
 */
public final class DemuxSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemuxSocket.class);
    /** Connection id length of short-header packets addressed to our client connections. */
    public static final int CLIENT_CID_LENGTH = 8;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int QUEUE_CAPACITY = 16_384;
    private static final Datagram POISON = new Datagram(new byte[0], null);

    private final DatagramSocket udp;
    private final InetSocketAddress local;
    private final Thread dispatcher;
    private final View serverView;
    private final Map<ByteBuffer, View> clientsByCid = new ConcurrentHashMap<>();
    private final Set<View> clientViews = ConcurrentHashMap.newKeySet();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong toClients = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean dead;

    /**
     * Binds {@code bind} and starts the dispatcher.
     *
     * @param bufferBytes requested SO_RCVBUF/SO_SNDBUF (the OS may cap it)
     */
    public DemuxSocket(InetSocketAddress bind, int bufferBytes) throws SocketException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            s.setReceiveBufferSize(bufferBytes);
            s.setSendBufferSize(bufferBytes);
            s.bind(bind);
        } catch (SocketException e) {
            s.close();
            throw e;
        }
        this.udp = s;
        this.local = (InetSocketAddress) s.getLocalSocketAddress();
        this.serverView = new View(null);
        this.dispatcher = new Thread(this::dispatch, "tandem-udp-demux-" + local.getPort());
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /** The bound address of the real socket. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** The view for kwik's server connector: every datagram no client view claims. */
    public DatagramSocket serverView() {
        return serverView;
    }

    /** A new view for one client connection to {@code remote}; closing it detaches only that view. */
    public DatagramSocket newClientView(InetSocketAddress remote) throws SocketException {
        if (closed) {
            throw new SocketException("socket closed");
        }
        View v = new View(remote);
        clientViews.add(v);
        return v;
    }

    /** Number of client views currently attached. */
    public int clientViewCount() {
        return clientViews.size();
    }

    /** Waits until every client view is closed (kwik closes them when their connections terminate). */
    public boolean awaitNoClientViews(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (clientViews) {
            while (!clientViews.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    clientViews.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Datagrams dropped because a view's queue was full, or because no reader could take them. */
    public long droppedDatagrams() {
        return dropped.get();
    }

    /** Sends that failed at the OS level (dropped, not thrown). */
    public long sendFailures() {
        return sendFailures.get();
    }

    /** Datagrams read from the real socket / routed to client views. */
    public long receivedDatagrams() {
        return received.get();
    }

    public long datagramsToClients() {
        return toClients.get();
    }

    /**
     * Test hook: the node "dies" — nothing is sent any more and the real socket is closed, but the views
     * stay open (kwik's server reader must not see an error) until {@link #close()}.
     */
    void kill() {
        dead = true;
        udp.close();
    }

    /**
     * Closes the real socket and the server view. Idempotent. Client views stay attached until kwik closes
     * them; anything they send is dropped.
     */
    @Override
    public void close() {
        releaseSocket();
        serverView.close();
    }

    /**
     * Closes the real socket but leaves every view to its owner: kwik closes the server view at the end of
     * {@code ServerConnector.close()}, after stopping its reader (closing it earlier would make kwik 0.10.8
     * call {@code System.exit}). Views only drop sends from now on. Idempotent.
     */
    public void releaseSocket() {
        if (closed) {
            return;
        }
        closed = true;
        udp.close();
        // Client views are left to kwik: it closes each when its connection terminates (a view closed under
        // a live kwik connection makes kwik log an error and abort it). They only drop sends from now on.
        try {
            dispatcher.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dispatch() {
        byte[] buf = new byte[MAX_DATAGRAM];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (!closed && !dead) {
            try {
                p.setData(buf, 0, buf.length);
                udp.receive(p);
            } catch (IOException e) {
                if (closed || dead || udp.isClosed()) {
                    break;
                }
                LOG.warn("UDP receive on {} failed; continuing", local, e);
                continue;
            }
            received.incrementAndGet();
            int len = p.getLength();
            Datagram d = new Datagram(Arrays.copyOf(buf, len), (InetSocketAddress) p.getSocketAddress());
            View target = null;
            ByteBuffer cid = destinationConnectionId(d.data, CLIENT_CID_LENGTH);
            if (cid != null) {
                target = clientsByCid.get(cid);
            }
            if (target != null) {
                toClients.incrementAndGet();
            } else {
                target = serverView;
            }
            target.deliver(d);
        }
        LOG.debug("UDP dispatcher on {} stopped", local);
    }

    /**
     * The destination connection id of a QUIC packet: from the long header, or the first
     * {@code shortHeaderLength} bytes after the first byte of a short header. Null if too short.
     */
    static ByteBuffer destinationConnectionId(byte[] d, int shortHeaderLength) {
        if (d.length < 1) {
            return null;
        }
        if ((d[0] & 0x80) != 0) {
            if (d.length < 6) {
                return null;
            }
            int len = d[5] & 0xff;
            if (len > 20 || d.length < 6 + len) {
                return null;
            }
            return ByteBuffer.wrap(Arrays.copyOfRange(d, 6, 6 + len));
        }
        if (d.length < 1 + shortHeaderLength) {
            return null;
        }
        return ByteBuffer.wrap(Arrays.copyOfRange(d, 1, 1 + shortHeaderLength));
    }

    /** The source connection id of a long-header packet, or null (short header, malformed). */
    static ByteBuffer longHeaderSourceConnectionId(byte[] d, int off, int length) {
        if (length < 7 || (d[off] & 0x80) == 0) {
            return null;
        }
        int dcidLen = d[off + 5] & 0xff;
        int scidLenAt = off + 6 + dcidLen;
        if (dcidLen > 20 || scidLenAt >= off + length) {
            return null;
        }
        int scidLen = d[scidLenAt] & 0xff;
        if (scidLen > 20 || scidLenAt + 1 + scidLen > off + length) {
            return null;
        }
        return ByteBuffer.wrap(Arrays.copyOfRange(d, scidLenAt + 1, scidLenAt + 1 + scidLen));
    }

    private record Datagram(byte[] data, InetSocketAddress from) {
    }

    /** A view of the shared socket; {@code remote == null} for the server view. */
    final class View extends DatagramSocket {
        private final InetSocketAddress remote;
        private final LinkedBlockingQueue<Datagram> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
        private final Set<ByteBuffer> cids = ConcurrentHashMap.newKeySet();
        private volatile boolean viewClosed;

        View(InetSocketAddress remote) throws SocketException {
            super((SocketAddress) null);
            this.remote = remote;
        }

        void deliver(Datagram d) {
            if (viewClosed || !queue.offer(d)) {
                dropped.incrementAndGet();
            }
        }

        @Override
        public void send(DatagramPacket p) throws IOException {
            if (viewClosed) {
                throw new SocketException("socket closed");
            }
            if (remote != null) {
                ByteBuffer scid = longHeaderSourceConnectionId(p.getData(), p.getOffset(), p.getLength());
                if (scid != null && scid.remaining() > 0 && cids.add(scid)) {
                    clientsByCid.put(scid, this);
                }
            }
            if (dead || closed) {
                dropped.incrementAndGet();
                return;
            }
            try {
                udp.send(p);
            } catch (IOException e) {
                // One unreachable peer must not abort kwik's sender (or other connections): drop, as UDP would.
                sendFailures.incrementAndGet();
                LOG.debug("UDP send to {} failed: {}", p.getSocketAddress(), e.toString());
            }
        }

        @Override
        public void receive(DatagramPacket p) throws IOException {
            Datagram d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                // kwik interrupts its reader only when it shuts the reader down.
                throw new InterruptedIOException("receive interrupted");
            }
            if (d == POISON) {
                queue.offer(POISON); // keep waking later callers
                throw new SocketException("socket closed");
            }
            int n = Math.min(d.data.length, p.getData().length - p.getOffset());
            System.arraycopy(d.data, 0, p.getData(), p.getOffset(), n);
            p.setLength(n);
            p.setSocketAddress(d.from);
        }

        @Override
        public void close() {
            if (viewClosed) {
                return;
            }
            viewClosed = true;
            if (remote != null) {
                synchronized (clientViews) {
                    clientViews.remove(this);
                    clientViews.notifyAll();
                }
                for (ByteBuffer c : cids) {
                    clientsByCid.remove(c, this);
                }
            }
            queue.clear();
            while (!queue.offer(POISON)) {
                queue.clear();
            }
            super.close();
        }

        @Override
        public boolean isClosed() {
            return viewClosed;
        }

        @Override
        public int getLocalPort() {
            return local.getPort();
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return local;
        }

        @Override
        public InetAddress getLocalAddress() {
            return local.getAddress();
        }

        @Override
        public int getReceiveBufferSize() throws SocketException {
            return udp.isClosed() ? 0 : udp.getReceiveBufferSize();
        }

        @Override
        public int getSendBufferSize() throws SocketException {
            return udp.isClosed() ? 0 : udp.getSendBufferSize();
        }

        @Override
        public String toString() {
            return remote == null ? "DemuxSocket.serverView[" + local + "]"
                    : "DemuxSocket.clientView[" + local + " -> " + remote + "]";
        }
    }
}
