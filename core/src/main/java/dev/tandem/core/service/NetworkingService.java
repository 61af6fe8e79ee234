package dev.tandem.core.service;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.device.Device;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.event.ConnectionEstablished;
import dev.tandem.core.event.ConnectionLost;
import dev.tandem.core.event.ConnectionRefused;
import dev.tandem.core.event.DeviceStateChanged;
import dev.tandem.core.event.EventBus;
import dev.tandem.core.protocol.PeerPolicy;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolRegistry;
import dev.tandem.core.protocol.ProtocolRegistry.Registration;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PathKind;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerUnreachableException;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's networking core: owns the transport, the protocol and device registries and the identity;
 * routes each accepted connection to the handler of its ALPN on a bounded executor (never a transport
 * thread), enforces each protocol's {@link PeerPolicy} before a handler runs, tracks connections to keep
 * device states right, and publishes {@link dev.tandem.core.event.NetworkEvent}s.
 */
public final class NetworkingService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkingService.class);
    /** How long {@link #close()} lets running handlers finish. */
    private static final long DRAIN_SECONDS = 5;

    private final NetworkIdentity identity;
    private final Transport transport;
    private final ProtocolRegistry protocols;
    private final DeviceRegistry devices;
    private final EventBus events;
    private final Path dataDir;
    private final Map<String, String> options;
    private final ThreadPoolExecutor executor;
    private final Map<Registration, ProtocolHandler> handlers = new LinkedHashMap<>();
    private final Map<NodeId, Set<PeerConnection>> live = new ConcurrentHashMap<>();
    private final Map<DialKey, CompletableFuture<PeerConnection>> outbound = new HashMap<>();
    private final Context context = new Context();
    private volatile TransportConfig transportConfig;
    private volatile boolean closing;
    private AutoCloseable deviceListener;

    /**
     * @param maxHandlerThreads most protocol handlers running at once; a connection beyond that is closed
     *     with {@link CloseCode#BUSY}
     */
    public NetworkingService(NetworkIdentity identity, Transport transport, ProtocolRegistry protocols,
            DeviceRegistry devices, EventBus events, Path dataDir, Map<String, String> options,
            int maxHandlerThreads) {
        this.identity = identity;
        this.transport = transport;
        this.protocols = protocols;
        this.devices = devices;
        this.events = events;
        this.dataDir = dataDir;
        this.options = Map.copyOf(options);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(0, maxHandlerThreads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "tandem-handler-" + identity.nodeId().shortForm() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Creates every protocol's handler and starts the transport on {@code config}'s address. */
    public synchronized void start(TransportConfig config) throws IOException {
        deviceListener = devices.onChange(e -> {
            if (e.isStateChange()) {
                events.publish(new DeviceStateChanged(e.device().id(), e.from(), e.to()));
            }
        });
        Map<String, StreamLimits> alpns = new LinkedHashMap<>();
        for (Registration r : protocols.registrations()) {
            ProtocolHandler h;
            try {
                h = r.provider().create(context);
            } catch (Exception | LinkageError e) {
                if (r.source() == ProtocolRegistry.Source.EXPLICIT) {
                    throw new IOException("protocol " + r.descriptor().alpn() + " (" + r.providerName()
                            + ") could not start: " + e.getMessage(), e);
                }
                protocols.recordFailure(r.providerName(), "create", e);
                protocols.remove(r);
                continue;
            }
            handlers.put(r, h);
            r.descriptor().allAlpns().forEach(a -> alpns.put(a, r.descriptor().limits()));
        }
        TransportConfig effective = new TransportConfig(config.bindAddress(), alpns, config.idleTimeout(),
                config.keepAliveInterval(), config.connectTimeout());
        transportConfig = effective;
        transport.start(effective, this::onInbound);
        log.info("node {} listening on {} via {} for {}", identity.nodeId().shortForm(),
                transport.localAddr().directAddresses(), transport.name(), alpns.keySet());
    }

    public TransportConfig transportConfig() {
        return transportConfig;
    }

    public NodeAddr localAddr() {
        return transport.localAddr();
    }

    public Transport transport() {
        return transport;
    }

    public ProtocolContext context() {
        return context;
    }

    /** Handlers by type, for typed accessors such as a pairing or messaging API. */
    public synchronized <T> Optional<T> handler(Class<T> type) {
        return handlers.values().stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /** Open connections to a peer. */
    public List<PeerConnection> connections(NodeId peer) {
        return List.copyOf(live.getOrDefault(peer, Set.of()));
    }

    /**
     * Opens a new connection to a peer for a protocol, enforcing the protocol's peer policy on this side
     * too. The connection is the caller's alone: closing it affects no one else. See
     * {@link #connectShared} for one connection shared per (peer, ALPN).
     */
    public CompletableFuture<PeerConnection> connect(NodeAddr peer, String alpn) {
        Optional<Exception> refused = checkDial(peer, alpn);
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        return transport.dial(peer, alpn).thenApply(c -> {
            track(c, false);
            return c;
        });
    }

    private Optional<Exception> checkDial(NodeAddr peer, String alpn) {
        if (closing) {
            return Optional.of(new IllegalStateException("node is shutting down"));
        }
        Optional<Registration> r = protocols.lookup(alpn);
        if (r.isPresent() && r.get().descriptor().peerPolicy() == PeerPolicy.PAIRED_ONLY
                && !devices.isPaired(peer.id())) {
            return Optional.of(new PeerUnreachableException("device " + peer.id().shortForm()
                    + " is not paired; " + alpn + " is for paired devices only"));
        }
        return Optional.empty();
    }

    /**
     * Like {@link #connect}, but shared per (peer, ALPN): an open connection this node dialled for the same
     * peer and protocol is returned again, and concurrent calls share one dial attempt. For protocols whose
     * connections outlive any one exchange; closing a shared connection closes it for every user.
     */
    public CompletableFuture<PeerConnection> connectShared(NodeAddr peer, String alpn) {
        Optional<Exception> refused = checkDial(peer, alpn);
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        DialKey key = new DialKey(peer.id(), alpn);
        synchronized (outbound) {
            CompletableFuture<PeerConnection> existing = outbound.get(key);
            if (existing != null && (!existing.isDone() || usable(existing))) {
                return existing;
            }
            CompletableFuture<PeerConnection> dial = transport.dial(peer, alpn).thenApply(c -> {
                track(c, false);
                c.closed().whenComplete((how, e) -> forget(key, c));
                return c;
            });
            outbound.put(key, dial);
            dial.whenComplete((c, e) -> {
                if (e != null) {
                    synchronized (outbound) {
                        outbound.remove(key, dial);
                    }
                }
            });
            return dial;
        }
    }

    private static boolean usable(CompletableFuture<PeerConnection> f) {
        return !f.isCompletedExceptionally() && f.join().isOpen();
    }

    private void forget(DialKey key, PeerConnection c) {
        synchronized (outbound) {
            CompletableFuture<PeerConnection> f = outbound.get(key);
            if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.join() == c) {
                outbound.remove(key);
            }
        }
    }

    private record DialKey(NodeId peer, String alpn) { }

    /** Dials a known device at its last known addresses. */
    public CompletableFuture<PeerConnection> connect(NodeId device, String alpn) {
        Optional<Device> d = devices.get(device);
        if (d.isEmpty()) {
            return CompletableFuture.failedFuture(new PeerUnreachableException("unknown device " + device.shortForm()));
        }
        return connect(d.get().addr(), alpn);
    }

    private void onInbound(PeerConnection conn) {
        NodeId peer = conn.remoteNodeId();
        String alpn = conn.alpn();
        if (closing) {
            conn.close(CloseCode.SHUTDOWN, "node shutting down");
            return;
        }
        Optional<Registration> r = protocols.lookup(alpn);
        ProtocolHandler h = r.map(this::handlerFor).orElse(null);
        if (h == null) {
            refuse(conn, CloseCode.UNKNOWN_PROTOCOL, "no protocol " + alpn);
            return;
        }
        if (r.get().descriptor().peerPolicy() == PeerPolicy.PAIRED_ONLY && !devices.isPaired(peer)) {
            refuse(conn, CloseCode.NOT_PAIRED, alpn + " is for paired devices only");
            return;
        }
        track(conn, true);
        try {
            executor.execute(() -> runHandler(h, r.get(), conn));
        } catch (RejectedExecutionException e) {
            conn.close(CloseCode.BUSY, "too many connections, try again later");
            log.warn("refused {} from {}: all {} handler threads busy", alpn, peer.shortForm(),
                    executor.getMaximumPoolSize());
        }
    }

    private synchronized ProtocolHandler handlerFor(Registration r) {
        return handlers.get(r);
    }

    private void refuse(PeerConnection conn, long code, String reason) {
        log.info("refused {} from {}: {}", conn.alpn(), conn.remoteNodeId().shortForm(), reason);
        conn.close(code, reason);
        events.publish(new ConnectionRefused(conn.remoteNodeId(), conn.alpn(), reason));
    }

    private void runHandler(ProtocolHandler h, Registration r, PeerConnection conn) {
        try {
            h.accept(conn);
            conn.close(CloseCode.NORMAL, "");
        } catch (ConnectionClosedException e) {
            log.debug("{} connection from {} ended: {}", conn.alpn(), conn.remoteNodeId().shortForm(), e.getMessage());
        } catch (Exception e) {
            log.warn("protocol {} ({}) failed on a connection from {}", conn.alpn(), r.providerName(),
                    conn.remoteNodeId().shortForm(), e);
            conn.close(CloseCode.INTERNAL_ERROR, "handler failed");
        } catch (Error e) {
            conn.close(CloseCode.INTERNAL_ERROR, "handler failed");
            throw e;
        }
    }

    private void track(PeerConnection conn, boolean inbound) {
        NodeId peer = conn.remoteNodeId();
        boolean first;
        synchronized (live) {
            Set<PeerConnection> set = live.computeIfAbsent(peer, k -> ConcurrentHashMap.newKeySet());
            first = set.isEmpty();
            set.add(conn);
        }
        if (first) {
            devices.get(peer).filter(d -> d.state().isPaired() && d.state() != dev.tandem.core.device.DeviceState.CONNECTED)
                    .ifPresent(d -> safely(() -> devices.connected(peer)));
        }
        events.publish(new ConnectionEstablished(peer, conn.alpn(), conn.pathKind(), inbound));
        conn.closed().whenComplete((how, err) -> untrack(conn, how));
    }

    private void untrack(PeerConnection conn, ConnectionClosedException how) {
        NodeId peer = conn.remoteNodeId();
        boolean last;
        synchronized (live) {
            Set<PeerConnection> set = live.get(peer);
            if (set == null || !set.remove(conn)) {
                return;
            }
            last = set.isEmpty();
            if (last) {
                live.remove(peer);
            }
        }
        if (last) {
            devices.get(peer).filter(d -> d.state() == dev.tandem.core.device.DeviceState.CONNECTED)
                    .ifPresent(d -> safely(() -> devices.disconnected(peer)));
        }
        events.publish(new ConnectionLost(peer, conn.alpn(), how == null ? "closed" : how.getMessage()));
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // A concurrent revoke or state change won the race; the device's state is already right.
            log.debug("device state update skipped: {}", e.getMessage());
        }
    }

    /**
     * Closes the protocol handlers (so they can say goodbye while connections are up), then every connection
     * with {@link CloseCode#SHUTDOWN}, lets running handlers finish for a few seconds, closes the transport
     * and saves the device registry.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        // Protocols go first, while connections are still up, so they can say goodbye.
        Map<Registration, ProtocolHandler> hs;
        synchronized (this) {
            hs = new HashMap<>(handlers);
        }
        hs.forEach((r, h) -> {
            try {
                h.close();
            } catch (RuntimeException e) {
                log.warn("protocol {} ({}) failed to close", r.descriptor().alpn(), r.providerName(), e);
            }
        });
        List<PeerConnection> all = new ArrayList<>();
        live.values().forEach(all::addAll);
        for (PeerConnection c : all) {
            c.close(CloseCode.SHUTDOWN, "node shutting down");
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                log.warn("protocol handlers still running after {} s; interrupting them", DRAIN_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        transport.close();
        try {
            if (deviceListener != null) {
                deviceListener.close();
            }
            devices.save();
        } catch (Exception e) {
            log.error("could not save the device registry on shutdown", e);
        }
    }

    private final class Context implements ProtocolContext {
        @Override
        public NetworkIdentity identity() {
            return identity;
        }

        @Override
        public DeviceRegistry devices() {
            return devices;
        }

        @Override
        public EventBus events() {
            return events;
        }

        @Override
        public ExecutorService executor() {
            return executor;
        }

        @Override
        public Path dataDir() {
            return dataDir;
        }

        @Override
        public Map<String, String> options() {
            return options;
        }

        @Override
        public NodeAddr localAddr() {
            return transport.localAddr();
        }

        @Override
        public CompletableFuture<PeerConnection> connect(NodeAddr peer, String alpn) {
            return NetworkingService.this.connect(peer, alpn);
        }

        @Override
        public CompletableFuture<PeerConnection> connect(NodeId device, String alpn) {
            return NetworkingService.this.connect(device, alpn);
        }

        @Override
        public <T> Optional<T> handler(Class<T> type) {
            return NetworkingService.this.handler(type);
        }

        @Override
        public Optional<PathKind> pathTo(NodeId device) {
            return connections(device).stream().map(PeerConnection::pathKind).findFirst();
        }
    }
}
