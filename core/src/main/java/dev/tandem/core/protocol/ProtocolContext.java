package dev.tandem.core.protocol;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.event.EventBus;
import dev.tandem.core.transport.PathKind;
import dev.tandem.core.transport.PeerConnection;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/** What a protocol handler gets from the node it runs in. */
public interface ProtocolContext {
    NetworkIdentity identity();

    default NodeId nodeId() {
        return identity().nodeId();
    }

    DeviceRegistry devices();

    EventBus events();

    /** The node's bounded executor, for work that must not run on the caller's thread. */
    ExecutorService executor();

    /** The node's data directory; a protocol keeps its files in a subdirectory named after itself. */
    Path dataDir();

    /** Node-wide options ("key=value" settings); protocols read keys under their own prefix. */
    Map<String, String> options();

    /** This node's dialable address. */
    NodeAddr localAddr();

    /** Connects to a peer at a known address; paired-only protocols require a paired peer. */
    CompletableFuture<PeerConnection> connect(NodeAddr peer, String alpn);

    /** Connects to a known device at its last known addresses. */
    CompletableFuture<PeerConnection> connect(NodeId device, String alpn);

    /** Another protocol's handler running in this node, if it is of the given type. */
    <T> Optional<T> handler(Class<T> type);

    /** The kind of path a connection to this device currently uses, if connected. */
    default Optional<PathKind> pathTo(NodeId device) {
        return Optional.empty();
    }
}
