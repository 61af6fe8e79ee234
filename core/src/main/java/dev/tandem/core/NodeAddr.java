package dev.tandem.core;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a node can be reached: its id, the direct UDP addresses it was last seen on, and optionally the
 * relay it is reachable through. The id is what a connection is authenticated against; addresses are
 * only hints.
 */
public record NodeAddr(NodeId id, List<InetSocketAddress> directAddresses, Optional<URI> relayUrl) {
    public NodeAddr {
        Objects.requireNonNull(id, "id");
        directAddresses = List.copyOf(directAddresses);
        Objects.requireNonNull(relayUrl, "relayUrl");
    }

    /** An address with only direct addresses and no relay. */
    public static NodeAddr of(NodeId id, InetSocketAddress... direct) {
        return new NodeAddr(id, List.of(direct), Optional.empty());
    }

    /** The same node with a different set of direct addresses. */
    public NodeAddr withDirectAddresses(List<InetSocketAddress> addresses) {
        return new NodeAddr(id, addresses, relayUrl);
    }
}
