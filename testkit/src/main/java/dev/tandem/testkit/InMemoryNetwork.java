package dev.tandem.testkit;

import dev.tandem.core.NetworkIdentity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network that exists only in this JVM. Transports made from one network can reach each other; nodes
 * get synthetic addresses ({@code 127.77.x.y:7777}, never bound to a real socket).
 */
public final class InMemoryNetwork {
    private final Map<InetSocketAddress, InMemoryTransport> byAddress = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger(1);

    /** A new, unstarted transport on this network for the node with {@code identity}. */
    public InMemoryTransport newTransport(NetworkIdentity identity) {
        return new InMemoryTransport(this, identity);
    }

    InetSocketAddress bind(InMemoryTransport t, int requestedPort) {
        int n = next.getAndIncrement();
        try {
            InetAddress ip = InetAddress.getByAddress(new byte[] {127, 77, (byte) (n >> 8), (byte) n});
            InetSocketAddress a = new InetSocketAddress(ip, requestedPort == 0 ? 7777 : requestedPort);
            byAddress.put(a, t);
            return a;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    void unbind(InetSocketAddress a) {
        byAddress.remove(a);
    }

    Optional<InMemoryTransport> at(InetSocketAddress a) {
        return Optional.ofNullable(byAddress.get(a));
    }

    Optional<InMemoryTransport> find(dev.tandem.core.NodeId id) {
        return byAddress.values().stream().filter(t -> t.nodeId().equals(id)).findFirst();
    }
}
