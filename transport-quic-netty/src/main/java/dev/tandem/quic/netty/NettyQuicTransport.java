package dev.tandem.quic.netty;

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
import dev.tandem.quic.LocalAddresses;
import dev.tandem.quic.TransportStats;
import dev.tandem.quic.auth.ClientProof;
import dev.tandem.quic.auth.NodeCertificates;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tandem {@link Transport} over Netty's native QUIC codec (quiche + BoringSSL), wire-compatible with the kwik
 * transport ({@code dev.tandem.quic.QuicTransport}): same ALPN per protocol, same certificate bound to the node's
 * Ed25519 key ({@link NodeCertificates}), same server-opened client proof ({@link ClientProof}) on the first
 * server-initiated bidirectional stream, same close codes.
 *
 * <ul>
 *   <li>One UDP socket per node and one event-loop thread; a {@link DatagramDemux} routes datagrams by destination
 *       connection id to a virtual server channel (server codec) or to the client channel of the dialled
 *       connection's ALPN (one client codec per ALPN). Zero threads per connection.</li>
 *   <li>Nothing blocks the event loop: the TLS trust check is a map lookup plus one Bouncy Castle Ed25519
 *       verification; the proof exchange is asynchronous; inbound connections and dial results are handed over
 *       on a small dispatcher pool, never run on the loop.</li>
 * </ul>
 */
public final class NettyQuicTransport implements Transport, TransportStats.Source {
    private static final Logger LOG = LoggerFactory.getLogger(NettyQuicTransport.class);
    /** The in-band authentication uses the first server-initiated bidirectional stream, as the kwik transport. */
    static final long AUTH_STREAM_ID = 1;
    private static final AttributeKey<NettyPeerConnection> CONN = AttributeKey.valueOf("tandem.connection");
    private static final AttributeKey<Dial> DIAL = AttributeKey.valueOf("tandem.dial");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long CLOSE_WAIT_MS = 1000;

    private final NetworkIdentity identity;
    private final NettySettings settings;
    private final Set<NettyPeerConnection> connections = ConcurrentHashMap.newKeySet();
    private final Map<SSLEngine, Dial> dialsByEngine = new ConcurrentHashMap<>();
    private final Map<String, ClientSide> clientSides = new ConcurrentHashMap<>();
    private final DatagramDemux demux = new DatagramDemux();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong oversizeDropped = new AtomicLong();
    /** Peers that accept smaller UDP payloads than we may send (their max_udp_payload_size), by address. */
    private final Map<InetSocketAddress, Integer> peerPayloadLimits = new ConcurrentHashMap<>();
    private final ExecutorService dispatcher;
    private final ChannelHandler streamInitializer = new StreamInitializer();
    private final ChannelHandler serverConnectionHandler = new ServerConnectionHandler();
    private final NodeServerTrust trust = new NodeServerTrust();
    private volatile TransportConfig config;
    private volatile InboundConnectionHandler inbound;
    private volatile MultiThreadIoEventLoopGroup group;
    private volatile Channel socket;
    private volatile EventLoop loop;
    private volatile VirtualDatagramChannel serverChannel;
    private volatile byte[] certHash;
    private volatile boolean epoll;
    private volatile boolean gso;
    private volatile int recvBatch;
    /** Largest UDP payload path MTU discovery probes for; 0 when it is off (see {@link #neverFragment}). */
    private volatile int pmtuMax;
    private volatile boolean closed;
    /** Test hook: makes the client proof this node sends (honestly, by default). */
    private volatile ClientProof.Maker proofMaker = ClientProof::create;

    public NettyQuicTransport(NetworkIdentity identity) {
        this(identity, NettySettings.DEFAULTS);
    }

    public NettyQuicTransport(NetworkIdentity identity, NettySettings settings) {
        this.identity = identity;
        this.settings = settings;
        String tag = identity.nodeId().shortForm();
        ThreadPoolExecutor d = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("tandem-netty-" + tag + "-dispatch", true));
        d.allowCoreThreadTimeOut(true);
        this.dispatcher = d;
    }

    @Override
    public String name() {
        return NettyQuicTransportProvider.NAME;
    }

    public NettySettings settings() {
        return settings;
    }

    /** How the socket moves datagrams: "epoll" plus "+gso" and "+recvmmsg" where on, or "nio". Valid after {@link #start}. */
    public String ioMode() {
        return epoll ? "epoll" + (gso ? "+gso" : "") + (recvBatch > 1 ? "+recvmmsg" : "") : "nio";
    }

    /**
     * Whether connections discover the path MTU (up to {@link NettySettings#pmtuMaxPayload()} bytes of UDP payload).
     * Valid after {@link #start}; false on NIO, where the socket cannot be told never to fragment.
     */
    public boolean pathMtuDiscovery() {
        return pmtuMax > 0;
    }

    /** Counters since start (this transport has no nudges: that is a kwik workaround). */
    @Override
    public TransportStats stats() {
        return new TransportStats(0, 0, stalls.get(), authFailures.get(),
                demux.droppedDatagrams() + oversizeDropped.get(), sendFailures.get());
    }

    /**
     * Honours the peer's {@code max_udp_payload_size} (RFC 9000, 18.2), which quiche's path MTU probes do not: they
     * grow to {@code netty.pmtuMaxPayload} whatever the peer said. kwik says 1500 and reads into 1500-byte buffers, so
     * each larger probe arrived cut short and kwik logged it as undecryptable. Such datagrams are now dropped here and
     * counted, like a probe the path refused, and quiche's search settles within the peer's limit. The limit holds
     * per peer address for as long as a connection to it is open.
     */
    private void limitToPeer(QuicChannel qc, InetSocketAddress addr) {
        io.netty.handler.codec.quic.QuicTransportParameters p = qc.peerTransportParameters();
        if (p == null || addr == null) {
            LOG.debug("no transport parameters from {} yet: its datagram limit is not known", addr);
            return;
        }
        long max = p.maxUdpPayloadSize();
        if (max > 0 && max < Math.max(settings.maxUdpPayload(), pmtuMax)) {
            int limit = (int) Math.max(1200, max); // 1200: every QUIC endpoint must accept that much
            peerPayloadLimits.put(addr, limit);
            qc.closeFuture().addListener(x -> peerPayloadLimits.remove(addr, limit));
        }
    }

    /** True if the datagram is larger than its recipient accepts (then it is released and counted). */
    private boolean oversizeForPeer(Object packet) {
        if (peerPayloadLimits.isEmpty() || !(packet instanceof DatagramPacket d)) {
            return false;
        }
        Integer limit = peerPayloadLimits.get(d.recipient());
        int size = d instanceof io.netty.channel.unix.SegmentedDatagramPacket g ? g.segmentSize()
                : d.content().readableBytes();
        if (limit == null || size <= limit) {
            return false;
        }
        oversizeDropped.incrementAndGet();
        d.release();
        return true;
    }

    void countStall() {
        stalls.incrementAndGet();
    }

    void forget(NettyPeerConnection c) {
        connections.remove(c);
    }

    int receiveQueueBytes(StreamLimits limits) {
        return limits.streamWindow();
    }

    /** Test hook: replaces how this node makes its client proof (to send forged ones). */
    void proofMaker(ClientProof.Maker maker) {
        this.proofMaker = maker;
    }


    // ------------------------------------------------------------------------------------------ start

    @Override
    public synchronized void start(TransportConfig config, InboundConnectionHandler inbound) throws IOException {
        if (this.config != null) {
            throw new IllegalStateException("transport already started");
        }
        if (closed) {
            throw new IllegalStateException("transport closed");
        }
        io.netty.handler.codec.quic.Quic.ensureAvailability();
        NodeCertificates.NodeTlsCredentials creds;
        try {
            creds = NodeCertificates.create(identity);
            certHash = creds.certificateHash();
        } catch (GeneralSecurityException e) {
            throw new TransportException("cannot create the node's TLS certificate", e);
        }
        this.config = config;
        this.inbound = inbound;
        epoll = settings.epoll() && Epoll.isAvailable();
        if (settings.epoll() && !epoll) {
            LOG.info("epoll is not available ({}); using NIO datagrams", String.valueOf(Epoll.unavailabilityCause()));
        }
        gso = epoll && settings.gsoSegments() > 1 && SegmentedDatagramPacket.isSupported();
        recvBatch = epoll ? settings.recvBatch() : 0;
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("tandem-netty-" + identity.nodeId().shortForm() + "-io", true), io);
        try {
            Bootstrap b = new Bootstrap().group(group)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, settings.socketBufferBytes())
                    .option(ChannelOption.SO_SNDBUF, settings.socketBufferBytes())
                    .handler(new SocketHandler());
            int largest = Math.max(settings.maxUdpPayload(), settings.pmtuMaxPayload());
            // A datagram larger than the receive buffer arrives truncated (lost). A new allocator reads one message per
            // wake-up unless told otherwise: keep the datagram channel's default of 16.
            if (recvBatch > 1) {
                b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, largest).option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(largest * recvBatch).maxMessagesPerRead(READS_PER_WAKEUP));
            } else {
                b.option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(Math.max(2048, largest)).maxMessagesPerRead(READS_PER_WAKEUP));
            }
            Channel s = b.bind(config.bindAddress()).sync().channel();
            pmtuMax = settings.pmtuMaxPayload() > settings.maxUdpPayload() && epoll && neverFragment(s)
                    ? settings.pmtuMaxPayload() : 0;
            socket = s;
            loop = s.eventLoop();
            demux.attach(new SocketSink(s), (InetSocketAddress) s.localAddress());
            VirtualDatagramChannel server = new VirtualDatagramChannel(demux, "server");
            server.pipeline().addLast(serverCodec(creds));
            loop.register(server).sync();
            demux.server(server);
            serverChannel = server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownIo();
            throw new java.io.InterruptedIOException("interrupted while starting");
        } catch (RuntimeException | GeneralSecurityException e) {
            shutdownIo();
            throw new TransportException("cannot start the Netty QUIC server on " + config.bindAddress() + ": " + e, e);
        }
        LOG.debug("Netty QUIC transport of {} listening on {} ({}) for {}", identity.nodeId().shortForm(),
                socket.localAddress(), ioMode(), config.alpns().keySet());
    }

    private ChannelHandler serverCodec(NodeCertificates.NodeTlsCredentials creds) throws GeneralSecurityException {
        List<String> alpns = new ArrayList<>(config.alpns().keySet());
        if (alpns.isEmpty()) {
            alpns.add("tandem/none"); // a node serving nothing still needs a valid TLS context
        }
        QuicSslContext ssl = QuicSslContextBuilder.forServer(creds.privateKey(), null, creds.certificate())
                .applicationProtocols(alpns.toArray(String[]::new))
                .clientAuth(ClientAuth.NONE)
                .build();
        int maxBidi = 1;
        int maxUni = 0;
        int maxWindow = 64 * 1024;
        for (StreamLimits l : config.alpns().values()) {
            maxBidi = Math.max(maxBidi, l.maxBidirectional());
            maxUni = Math.max(maxUni, l.maxUnidirectional());
            maxWindow = Math.max(maxWindow, l.streamWindow());
        }
        QuicServerCodecBuilder b = new QuicServerCodecBuilder()
                .sslContext(ssl)
                .tokenHandler(NoRetry.INSTANCE)
                .handler(serverConnectionHandler)
                .streamHandler(streamInitializer);
        common(b, maxWindow, maxBidi, maxUni);
        if (gso) {
            b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segments());
        }
        return b.build();
    }

    /**
     * Sets "don't fragment, and ignore the kernel's path MTU cache" on the socket (Linux {@code IP_PMTUDISC_PROBE},
     * for IPv4 and, on an IPv6 socket, IPv6 too). Without it the kernel splits a datagram larger than the interface
     * MTU into IP fragments, so a discovery probe would "succeed" and every later packet travel fragmented. With it,
     * such a send fails ({@code EMSGSIZE}, counted as a send failure) and the probe counts as lost. Returns false
     * when the socket refuses, and discovery then stays off.
     */
    private static boolean neverFragment(Channel socket) {
        try {
            socket.config().setOption(IP_MTU_DISCOVER, PMTUDISC_PROBE);
            if (((InetSocketAddress) socket.localAddress()).getAddress() instanceof java.net.Inet6Address) {
                socket.config().setOption(IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
            }
            return true;
        } catch (RuntimeException e) {
            LOG.info("path MTU discovery off: cannot stop the UDP socket from fragmenting ({})", e.toString());
            return false;
        }
    }

    /** Linux socket option numbers (epoll runs only on Linux): {@code IPPROTO_IP}/{@code IP_MTU_DISCOVER} and v6. */
    private static final IntegerUnixChannelOption IP_MTU_DISCOVER = new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
    private static final IntegerUnixChannelOption IPV6_MTU_DISCOVER =
            new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
    private static final int PMTUDISC_PROBE = 3;

    private SegmentedDatagramPacketAllocator segments() {
        return EpollQuicUtils.newSegmentedAllocator(settings.gsoSegments());
    }

    private void common(QuicCodecBuilder<?> b, int window, int bidi, int uni) {
        int largestDatagram = pmtuMax > 0 ? pmtuMax : settings.maxUdpPayload(); // with discovery on, its ceiling
        b.maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(Math.max(settings.connectionWindowBytes(), window))
                .initialMaxStreamDataBidirectionalLocal(window)
                .initialMaxStreamDataBidirectionalRemote(window)
                .initialMaxStreamDataUnidirectional(window)
                .initialMaxStreamsBidirectional(bidi)
                .initialMaxStreamsUnidirectional(uni)
                .congestionControlAlgorithm(QuicCongestionControlAlgorithm.valueOf(
                        settings.congestionControl().toUpperCase(java.util.Locale.ROOT)))
                .localConnectionIdLength(DatagramDemux.CID_LENGTH)
                .discoverPmtu(pmtuMax > 0)
                .maxSendUdpPayloadSize(largestDatagram)
                .maxRecvUdpPayloadSize(largestDatagram)
                .activeMigration(false);
    }

    /** The client codec for one ALPN, on its own virtual channel (made on first use). */
    private ClientSide clientSide(String alpn) throws IOException {
        ClientSide cs = clientSides.get(alpn);
        if (cs != null) {
            return cs;
        }
        synchronized (clientSides) {
            cs = clientSides.get(alpn);
            if (cs != null) {
                return cs;
            }
            StreamLimits limits = limitsOf(alpn);
            QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(trust).applicationProtocols(alpn)
                    .build();
            QuicClientCodecBuilder b = new QuicClientCodecBuilder().sslContext(ssl)
                    .sslEngineProvider(q -> newClientEngine(ssl, q));
            common(b, Math.max(1500, limits.streamWindow()), Math.max(1, limits.maxBidirectional()),
                    limits.maxUnidirectional());
            VirtualDatagramChannel ch = new VirtualDatagramChannel(demux, "client " + alpn);
            ch.pipeline().addLast(b.build());
            try {
                loop.register(ch).sync();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while dialling");
            }
            cs = new ClientSide(ch);
            clientSides.put(alpn, cs);
            return cs;
        }
    }

    private record ClientSide(VirtualDatagramChannel channel) {
    }

    private QuicSslEngine newClientEngine(QuicSslContext ssl, QuicChannel q) {
        Dial d = q.attr(DIAL).get();
        QuicSslEngine e = ssl.newEngine(q.alloc(), NodeCertificates.dnsName(d.expected), d.address.getPort());
        d.engine = e;
        dialsByEngine.put(e, d);
        return e;
    }

    private StreamLimits limitsOf(String alpn) {
        TransportConfig c = config;
        return c == null ? StreamLimits.DEFAULT : c.alpns().getOrDefault(alpn, StreamLimits.DEFAULT);
    }

    @Override
    public NodeAddr localAddr() {
        Channel s = socket;
        if (s == null) {
            throw new IllegalStateException("transport not started");
        }
        return new NodeAddr(identity.nodeId(), LocalAddresses.of((InetSocketAddress) s.localAddress()),
                java.util.Optional.empty());
    }

    /** See {@link DatagramDemux#runAfterBatch}; event loop only. */
    boolean runAfterReadBatch(Runnable task) {
        return demux.runAfterBatch(task);
    }

    // ------------------------------------------------------------------------------------------ the socket

    /** Inbound side of the real UDP socket: everything goes through the demux. */
    private final class SocketHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket p) {
                demux.route(p);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            demux.readComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            sendFailures.incrementAndGet();
            LOG.debug("UDP socket: {}", cause.toString());
        }
    }

    /** Outbound side of the real UDP socket. A failed send is a lost packet: counted, QUIC recovers. */
    private final class SocketSink implements DatagramDemux.Sink {
        private final Channel channel;

        SocketSink(Channel channel) {
            this.channel = channel;
        }

        @Override
        public void send(Object packet) {
            if (oversizeForPeer(packet)) {
                return;
            }
            if (packet instanceof io.netty.channel.unix.SegmentedDatagramPacket p
                    && p.content().readableBytes() > MAX_GSO_BYTES) {
                sendSplit(p);
            } else {
                channel.write(packet, channel.voidPromise());
            }
        }

        /**
         * The codec batches up to {@code gsoSegments} datagrams per send whatever their size, but one GSO send carries
         * at most one IP packet's worth (64 KiB): with datagrams grown by path MTU discovery, send it in parts.
         */
        private void sendSplit(io.netty.channel.unix.SegmentedDatagramPacket p) {
            try {
                int segment = p.segmentSize();
                int perSend = Math.max(1, MAX_GSO_BYTES / segment) * segment;
                ByteBuf all = p.content();
                while (all.isReadable()) {
                    ByteBuf part = all.readRetainedSlice(Math.min(perSend, all.readableBytes()));
                    Object out = part.readableBytes() > segment ? p.replace(part)
                            : new DatagramPacket(part, p.recipient());
                    channel.write(out, channel.voidPromise());
                }
            } finally {
                p.release();
            }
        }

        @Override
        public void flush() {
            channel.flush();
        }
    }

    /** Receive calls per socket wake-up: Netty's default for datagram channels. */
    private static final int READS_PER_WAKEUP = 16;

    /** Largest UDP payload of one IPv4 packet, so the most one GSO send may carry. */
    static final int MAX_GSO_BYTES = 65_507;

    /** No Retry round trip: both sides are authenticated by keys, address validation buys nothing here. */
    private static final class NoRetry implements QuicTokenHandler {
        static final NoRetry INSTANCE = new NoRetry();

        @Override
        public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
            return false;
        }

        @Override
        public int validateToken(ByteBuf token, InetSocketAddress address) {
            return 0;
        }

        @Override
        public int maxTokenLength() {
            return 0;
        }
    }

    // ------------------------------------------------------------------------------------------ dialling

    /** State of one dial attempt, shared by the event loop and the dialler. */
    private static final class Dial {
        final NodeId expected;
        final InetSocketAddress address;
        final String alpn;
        final CompletableFuture<NettyPeerConnection> result = new CompletableFuture<>();
        volatile SSLEngine engine;
        volatile NettyPeerConnection connection;
        volatile String trustFailure;
        volatile byte[] serverCertHash;

        Dial(NodeId expected, InetSocketAddress address, String alpn) {
            this.expected = expected;
            this.address = address;
            this.alpn = alpn;
        }
    }

    @Override
    public CompletableFuture<PeerConnection> dial(NodeAddr peer, String alpn) {
        if (closed || config == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("transport not running"));
        }
        CompletableFuture<PeerConnection> result = new CompletableFuture<>();
        if (peer.directAddresses().isEmpty()) {
            result.completeExceptionally(new PeerUnreachableException("node " + peer.id().shortForm()
                    + " has no direct address (relayed paths are not supported by this transport)"));
            return result;
        }
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        dialNext(peer, alpn, 0, deadline, new ArrayList<>(), result);
        return result;
    }

    private void dialNext(NodeAddr peer, String alpn, int index, long deadline, List<String> failures,
            CompletableFuture<PeerConnection> result) {
        List<InetSocketAddress> addrs = peer.directAddresses();
        if (index >= addrs.size() || (index > 0 && System.nanoTime() >= deadline)) {
            result.completeExceptionally(new PeerUnreachableException("cannot reach node " + peer.id().shortForm()
                    + " for " + alpn + ": " + String.join("; ", failures)));
            return;
        }
        InetSocketAddress addr = addrs.get(index);
        dialOne(peer.id(), addr, alpn, deadline).whenCompleteAsync((pc, e) -> {
            if (e == null) {
                result.complete(pc);
                return;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof PeerAuthenticationException || closed) {
                result.completeExceptionally(cause);
                return;
            }
            failures.add(addr + ": " + cause.getMessage());
            dialNext(peer, alpn, index + 1, deadline, failures, result);
        }, dispatcher);
    }

    private CompletableFuture<NettyPeerConnection> dialOne(NodeId expected, InetSocketAddress addr, String alpn,
            long deadline) {
        Dial d = new Dial(expected, addr, alpn);
        if (addr.isUnresolved()) {
            d.result.completeExceptionally(new PeerUnreachableException("unresolved address " + addr));
            return d.result;
        }
        ClientSide cs;
        try {
            cs = clientSide(alpn);
        } catch (IOException | RuntimeException e) {
            d.result.completeExceptionally(new PeerUnreachableException("cannot dial " + addr + ": " + e, e));
            return d.result;
        }
        byte[] cid = new byte[DatagramDemux.CID_LENGTH];
        RANDOM.nextBytes(cid);
        demux.register(cid, cs.channel());
        NettyPeerConnection pc = new NettyPeerConnection(this, true, alpn, limitsOf(alpn), expected, addr);
        pc.localConnectionId(cid);
        d.connection = pc;
        QuicChannelBootstrap b = QuicChannel.newBootstrap(cs.channel())
                .attr(DIAL, d)
                .attr(CONN, pc)
                .handler(pc)
                .streamHandler(streamInitializer)
                .remoteAddress(addr)
                .localConnectionAddress(new QuicConnectionAddress(cid));
        if (gso) {
            b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segments());
        }
        long connectMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMs));
        io.netty.util.concurrent.Future<QuicChannel> connect = b.connect();
        long authMs = Math.max(connectMs, settings.authTimeout().toMillis());
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (!d.result.isDone()) {
                failDial(d, pc, new PeerUnreachableException("no authenticated QUIC connection to " + addr
                        + " within " + authMs + " ms"));
                pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication timed out");
                connect.cancel(false);
            }
        }, authMs, TimeUnit.MILLISECONDS);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                Throwable c = f.cause();
                if (d.trustFailure != null) {
                    failDial(d, pc, new PeerAuthenticationException("the node at " + addr + " is not "
                            + expected.shortForm() + ": " + d.trustFailure, c));
                } else {
                    failDial(d, pc, new PeerUnreachableException("QUIC handshake with " + addr + " for " + alpn
                            + " failed: " + c, c));
                }
                pc.terminate(new ConnectionClosedException(CloseCode.NORMAL, "handshake failed", false));
                demux.unregister(cid);
            } else {
                QuicChannel qc = connect.getNow();
                qc.closeFuture().addListener(x -> demux.unregister(cid));
                connections.add(pc);
                limitToPeer(qc, addr);
                if (closed) {
                    pc.close(CloseCode.SHUTDOWN, "node shutting down");
                }
            }
        });
        pc.closed().whenComplete((how, x) -> {
            if (!d.result.isDone()) {
                if (how != null && how.byPeer() && how.code() == CloseCode.AUTHENTICATION_FAILED) {
                    failDial(d, pc, new PeerAuthenticationException("node " + expected.shortForm()
                            + " rejected our node proof: " + how.reason()));
                } else if (d.trustFailure != null) {
                    failDial(d, pc, new PeerAuthenticationException("the node at " + addr + " is not "
                            + expected.shortForm() + ": " + d.trustFailure));
                } else {
                    failDial(d, pc, new PeerUnreachableException("connection to " + addr + " closed while "
                            + "authenticating: " + how.getMessage()));
                }
            }
        });
        d.result.whenComplete((ok, x) -> {
            timeout.cancel(false);
            SSLEngine e = d.engine;
            if (e != null) {
                dialsByEngine.remove(e);
            }
        });
        return d.result;
    }

    private void failDial(Dial d, NettyPeerConnection pc, IOException e) {
        if (d.result.completeExceptionally(e)) {
            LOG.debug("dial of {} at {} for {} failed: {}", d.expected.shortForm(), d.address, d.alpn, e.getMessage());
            pc.close(CloseCode.AUTHENTICATION_FAILED, "client authentication failed");
        }
    }

    /** Client side of the proof exchange, on the server-opened stream 1. Event loop only. */
    private final class ClientProofExchange extends ChannelInboundHandlerAdapter {
        private final NettyPeerConnection pc;
        private final Dial dial;
        private final ByteBuf nonce = Unpooled.buffer(ClientProof.NONCE_LENGTH);
        private boolean proofSent;
        private boolean answered;

        ClientProofExchange(NettyPeerConnection pc, Dial dial) {
            this.pc = pc;
            this.dial = dial;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ((QuicStreamChannel) ctx.channel()).config().setAllowHalfClosure(true);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (!proofSent) {
                    nonce.writeBytes(in, Math.min(nonce.writableBytes(), in.readableBytes()));
                    if (nonce.isWritable()) {
                        return;
                    }
                    sendProof(ctx);
                }
                if (proofSent && !answered && in.isReadable()) {
                    answered = true;
                    int ok = in.readUnsignedByte();
                    if (ok == ClientProof.OK) {
                        succeed();
                    } else {
                        failDial(dial, pc, new PeerAuthenticationException("server did not accept our node proof"));
                    }
                }
            } finally {
                in.release();
            }
        }

        private void sendProof(ChannelHandlerContext ctx) {
            proofSent = true;
            byte[] hash;
            try {
                Certificate[] chain = pc.channel().sslEngine().getSession().getPeerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                    throw new SSLPeerUnverifiedException("no server certificate");
                }
                hash = NodeCertificates.sha256(leaf);
            } catch (SSLPeerUnverifiedException | CertificateException e) {
                failDial(dial, pc, new PeerAuthenticationException("cannot read the server certificate: " + e, e));
                return;
            }
            byte[] n = new byte[ClientProof.NONCE_LENGTH];
            nonce.readBytes(n);
            byte[] proof = proofMaker.make(identity, n, hash, dial.alpn);
            if (proof == null) {
                return; // test hook: a client that never proves itself
            }
            ctx.writeAndFlush(new io.netty.handler.codec.quic.DefaultQuicStreamFrame(Unpooled.wrappedBuffer(proof),
                    true));
        }

        private void succeed() {
            if (!pc.isOpen()) {
                return;
            }
            dispatcher.execute(() -> dial.result.complete(pc));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownReadComplete && !answered) {
                failDial(dial, pc, new PeerAuthenticationException("server ended authentication without accepting"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failDial(dial, pc, new PeerAuthenticationException("authentication stream failed: " + cause, cause));
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            nonce.release();
        }
    }

    // ------------------------------------------------------------------------------------------ accepting

    /** Added to every inbound QUIC connection by the server codec, hence shared. Event loop only. */
    @ChannelHandler.Sharable
    private final class ServerConnectionHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            QuicChannel qc = (QuicChannel) ctx.channel();
            String alpn = qc.sslEngine().getApplicationProtocol();
            NettyPeerConnection pc = new NettyPeerConnection(NettyQuicTransport.this, false, alpn, limitsOf(alpn),
                    null, (InetSocketAddress) qc.remoteSocketAddress());
            qc.attr(CONN).set(pc);
            qc.pipeline().addLast(pc);
            connections.add(pc);
            limitToPeer(qc, (InetSocketAddress) qc.remoteSocketAddress());
            if (closed) {
                pc.close(CloseCode.SHUTDOWN, "node shutting down");
                return;
            }
            ServerProofExchange auth = new ServerProofExchange(pc);
            auth.timeout = qc.eventLoop().schedule(() -> {
                if (pc.remoteNodeId() == null && pc.isOpen()) {
                    authFailures.incrementAndGet();
                    LOG.info("client at {} did not authenticate within {} ms; closing", pc.remoteAddress(),
                            settings.authTimeout().toMillis());
                    pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication timed out");
                }
            }, settings.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
            qc.createStream(QuicStreamType.BIDIRECTIONAL, auth).addListener(f -> {
                if (!f.isSuccess() && pc.isOpen()) {
                    // e.g. the client granted no bidirectional stream: it can never prove itself
                    authFailures.incrementAndGet();
                    LOG.info("cannot open the authentication stream to {}: {}", pc.remoteAddress(), f.cause().toString());
                    pc.close(CloseCode.AUTHENTICATION_FAILED, "no stream for authentication");
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("inbound QUIC connection {}: {}", ctx.channel(), cause.toString());
        }
    }

    /** Server side of the proof exchange, on the stream the server opens first. Event loop only. */
    private final class ServerProofExchange extends ChannelInboundHandlerAdapter {
        private final NettyPeerConnection pc;
        private final byte[] nonce = ClientProof.newNonce();
        private final ByteBuf proof = Unpooled.buffer(ClientProof.PROOF_LENGTH);
        private volatile ScheduledFuture<?> timeout;
        private boolean done;

        ServerProofExchange(NettyPeerConnection pc) {
            this.pc = pc;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            QuicStreamChannel st = (QuicStreamChannel) ctx.channel();
            st.config().setAllowHalfClosure(true);
            if (st.streamId() != AUTH_STREAM_ID) {
                fail("authentication stream has id " + st.streamId());
                return;
            }
            st.writeAndFlush(Unpooled.wrappedBuffer(nonce));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (done) {
                    return;
                }
                proof.writeBytes(in, Math.min(proof.writableBytes(), in.readableBytes()));
                if (proof.isWritable()) {
                    return;
                }
                done = true;
                byte[] p = new byte[ClientProof.PROOF_LENGTH];
                proof.readBytes(p);
                NodeId client = ClientProof.verify(p, nonce, certHash, pc.alpn());
                if (client == null) {
                    authFailures.incrementAndGet();
                    LOG.info("client at {} sent an invalid node proof for {}; closing", pc.remoteAddress(), pc.alpn());
                    cancelTimeout();
                    pc.close(CloseCode.AUTHENTICATION_FAILED, "invalid client proof");
                    return;
                }
                pc.authenticated(client);
                cancelTimeout();
                ctx.writeAndFlush(new io.netty.handler.codec.quic.DefaultQuicStreamFrame(
                        Unpooled.wrappedBuffer(new byte[] {ClientProof.OK}), true));
                InboundConnectionHandler h = inbound;
                dispatcher.execute(() -> handOver(h, pc));
            } finally {
                in.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownReadComplete && !done) {
                fail("client ended the authentication stream without a complete proof");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done) {
                fail("authentication stream failed: " + cause);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            proof.release();
        }

        private void fail(String why) {
            done = true;
            cancelTimeout();
            if (pc.isOpen()) {
                authFailures.incrementAndGet();
                LOG.info("authentication of client at {} failed: {}", pc.remoteAddress(), why);
                pc.close(CloseCode.AUTHENTICATION_FAILED, "authentication failed");
            }
        }

        private void cancelTimeout() {
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    private void handOver(InboundConnectionHandler h, NettyPeerConnection pc) {
        if (!pc.isOpen()) {
            return;
        }
        try {
            h.onConnection(pc);
        } catch (RuntimeException e) {
            LOG.warn("inbound connection handler failed for {}; closing the connection", pc, e);
            pc.close(CloseCode.INTERNAL_ERROR, "handler failed");
        }
    }

    /** Every stream the peer opens, on both roles; shared by all connections. Event loop only. */
    @ChannelHandler.Sharable
    private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        @Override
        protected void initChannel(QuicStreamChannel st) {
            QuicChannel qc = st.parent();
            NettyPeerConnection pc = qc.attr(CONN).get();
            if (pc == null) {
                st.shutdown(NettyPeerStream.wireCode(CloseCode.PROTOCOL_ERROR));
                return;
            }
            boolean bidi = st.type() == QuicStreamType.BIDIRECTIONAL;
            if (pc.isClient() && bidi) {
                Dial d = qc.attr(DIAL).get();
                if (st.streamId() == AUTH_STREAM_ID && d != null && !d.result.isDone()) {
                    st.pipeline().addLast(new ClientProofExchange(pc, d));
                    return;
                }
                if (pc.limits().maxBidirectional() == 0) {
                    st.shutdown(NettyPeerStream.wireCode(CloseCode.PROTOCOL_ERROR)); // the one slot was for auth
                    return;
                }
            }
            NettyPeerStream s = new NettyPeerStream(pc, false, bidi, receiveQueueBytes(pc.limits()));
            st.pipeline().addLast(s);
            pc.onPeerStream(s);
        }
    }

    /**
     * Checks the server's certificate against the node id of the dial that made the TLS engine: one map lookup and
     * one Bouncy Castle Ed25519 verification, fast enough for the event loop.
     */
    private final class NodeServerTrust extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            Dial d = dialsByEngine.get(engine);
            if (d == null) {
                throw new CertificateException("no dial is waiting for this handshake");
            }
            try {
                if (chain == null || chain.length == 0) {
                    throw new CertificateException("server sent no certificate");
                }
                dev.tandem.quic.auth.NodeTrustManager.verifyLeaf(chain[0], d.expected);
            } catch (CertificateException e) {
                d.trustFailure = e.getMessage();
                // Fail the dial now, outside the TLS callback, instead of when quiche gives up on the handshake.
                loop.execute(() -> failDial(d, d.connection, new PeerAuthenticationException("the node at "
                        + d.address + " is not " + d.expected.shortForm() + ": " + e.getMessage(), e)));
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("only QUIC engines are checked here");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the handshake's engine is needed to know which node was dialled");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not used; clients prove their key in-band");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
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
        for (NettyPeerConnection c : List.copyOf(connections)) {
            c.close(CloseCode.SHUTDOWN, "node shutting down");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        for (NettyPeerConnection c : List.copyOf(connections)) {
            c.awaitChannelClosed(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        shutdownIo();
    }

    /**
     * Test hook: the node vanishes as if its process died. Nothing more is sent (no CONNECTION_CLOSE reaches any
     * peer); local resources are released.
     */
    public void crash() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        demux.detachSink();
        for (NettyPeerConnection c : List.copyOf(connections)) {
            c.close(CloseCode.SHUTDOWN, "process died");
        }
        shutdownIo();
    }

    private void shutdownIo() {
        Channel s = socket;
        EventLoop l = loop;
        if (l != null) {
            // the codecs' own channels first, on their loop, then the socket
            ChannelFuture last = null;
            VirtualDatagramChannel srv = serverChannel;
            if (srv != null) {
                last = srv.close();
            }
            for (ClientSide cs : clientSides.values()) {
                last = cs.channel().close();
            }
            if (last != null) {
                last.awaitUninterruptibly(CLOSE_WAIT_MS);
            }
        }
        demux.detachSink();
        if (s != null) {
            s.close().awaitUninterruptibly(CLOSE_WAIT_MS);
        }
        MultiThreadIoEventLoopGroup g = group;
        if (g != null) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
        }
        dispatcher.shutdownNow();
    }

    @Override
    public String toString() {
        Channel s = socket;
        return "NettyQuicTransport[" + identity.nodeId().shortForm() + (s == null ? "" : " @" + s.localAddress()) + "]";
    }
}
