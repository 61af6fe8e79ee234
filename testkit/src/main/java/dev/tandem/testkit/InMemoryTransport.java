package dev.tandem.testkit;

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
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Transport} without sockets, with the semantics of the QUIC one: verified node ids on both
 * sides, one ALPN per connection with unknown ALPNs refused, per-protocol stream limits and windows
 * (writers block on a full window), FIN, resets and close codes both ways. It passes the same
 * {@link TransportCompatibilityKit} as the real transports, so protocol tests can run on it fast.
 */
public final class InMemoryTransport implements Transport {
    private final InMemoryNetwork network;
    private final NetworkIdentity identity;
    private final Set<MemoryConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean strandWrites;
    private volatile TransportConfig config;
    private volatile InboundConnectionHandler inbound;
    private volatile InetSocketAddress address;
    private volatile boolean closed;

    InMemoryTransport(InMemoryNetwork network, NetworkIdentity identity) {
        this.network = network;
        this.identity = identity;
    }

    @Override
    public String name() {
        return "memory";
    }

    NodeId nodeId() {
        return identity.nodeId();
    }

    @Override
    public synchronized void start(TransportConfig config, InboundConnectionHandler inbound) {
        if (address != null) {
            throw new IllegalStateException("transport already started");
        }
        this.config = config;
        this.inbound = inbound;
        this.address = network.bind(this, config.bindAddress().getPort());
    }

    @Override
    public NodeAddr localAddr() {
        if (address == null) {
            throw new IllegalStateException("transport not started");
        }
        return new NodeAddr(identity.nodeId(), List.of(address), Optional.empty());
    }

    @Override
    public CompletableFuture<PeerConnection> dial(NodeAddr peer, String alpn) {
        if (closed || address == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("transport not running"));
        }
        Optional<InMemoryTransport> target = peer.directAddresses().stream().map(network::at)
                .flatMap(Optional::stream).findFirst();
        if (target.isEmpty() && peer.directAddresses().isEmpty()) {
            target = network.find(peer.id());
        }
        if (target.isEmpty() || target.get().closed) {
            return CompletableFuture.failedFuture(new PeerUnreachableException("no node answers at "
                    + peer.directAddresses()));
        }
        InMemoryTransport server = target.get();
        if (!server.nodeId().equals(peer.id())) {
            return CompletableFuture.failedFuture(new PeerAuthenticationException("expected node "
                    + peer.id().shortForm() + " but " + server.nodeId().shortForm() + " answered"));
        }
        StreamLimits serverLimits = server.config.alpns().get(alpn);
        if (serverLimits == null) {
            return CompletableFuture.failedFuture(new PeerUnreachableException("node " + peer.id().shortForm()
                    + " does not serve " + alpn));
        }
        StreamLimits clientLimits = config.alpns().getOrDefault(alpn, StreamLimits.DEFAULT);
        MemoryConnection c = new MemoryConnection(this, peer.id(), alpn, server.address, true, clientLimits,
                serverLimits);
        MemoryConnection s = new MemoryConnection(server, identity.nodeId(), alpn, address, false, serverLimits,
                clientLimits);
        MemoryConnection.link(c, s);
        connections.add(c);
        server.connections.add(s);
        server.inbound.onConnection(s);
        return CompletableFuture.completedFuture(c);
    }

    void forget(MemoryConnection c) {
        connections.remove(c);
    }

    /**
     * Simulates this node's process dying: its connections end at once here, and their peers see them
     * fail as after an idle timeout, without any close frame.
     */
    /**
     * Fault injection for tests: while on, every write on this transport's streams returns as if sent and is never
     * delivered, and the writer never blocks. That is how kwik 0.10.8's lost send request looks to an application
     * (see transport-quic's README); protocols use it to test that they notice.
     */
    public void strandWrites(boolean on) {
        strandWrites = on;
    }

    boolean strandsWrites() {
        return strandWrites;
    }

    public void crash() {
        closed = true;
        for (MemoryConnection c : List.copyOf(connections)) {
            c.timeOutPeer();
            c.vanish(new ConnectionClosedException(CloseCode.SHUTDOWN, "process died", false));
        }
        release();
    }

    @Override
    public void close() {
        if (closed && address == null) {
            return;
        }
        closed = true;
        for (MemoryConnection c : List.copyOf(connections)) {
            c.close(CloseCode.SHUTDOWN, "node shutting down");
        }
        release();
    }

    private synchronized void release() {
        if (address != null) {
            network.unbind(address);
            address = null;
        }
    }
}
