package dev.tandem.core.discovery;

import dev.tandem.core.NodeAddr;
import java.util.function.Consumer;

/**
 * A way to find nodes: LAN multicast today; relay rendezvous and DHT later, as further implementations.
 * Everything learnt through discovery is a hint: a node found here is authenticated only when dialled
 * (the transport checks its id), so a provider never needs to vouch for what it reports.
 *
 * <p>Each method returns a handle; closing it stops that announcement or lookup.
 */
public interface Discovery extends AutoCloseable {
    /** Short name for logs ("lan", "relay", ...). */
    String name();

    /** Announces that {@code self} can be reached under {@code id}, until the handle is closed. */
    AutoCloseable announceRendezvous(RendezvousId id, NodeAddr self);

    /** Reports every node seen announcing {@code id} (possibly more than once), until the handle is closed. */
    AutoCloseable lookupRendezvous(RendezvousId id, Consumer<NodeAddr> found);

    /** Announces that {@code self} is present, until the handle is closed. */
    AutoCloseable announcePresence(NodeAddr self);

    /** Reports nodes announcing their presence, until the handle is closed. */
    AutoCloseable onPresence(Consumer<NodeAddr> seen);

    /** Stops every announcement and lookup and releases sockets. */
    @Override
    void close();
}
