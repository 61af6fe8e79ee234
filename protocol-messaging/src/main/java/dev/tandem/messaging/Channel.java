package dev.tandem.messaging;

import dev.tandem.core.NodeId;
import dev.tandem.core.io.Frames;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One messaging connection to a peer: a single bidirectional stream carrying envelopes both ways, so
 * messages from one side arrive in the order they were sent. Requests in flight wait in {@link #pending}.
 */
final class Channel {
    private final PeerConnection connection;
    private final PeerStream stream;
    private final OutputStream out;
    private final EnvelopeCodec codec;
    private final AtomicLong nextId = new AtomicLong(1);
    final Map<Long, CompletableFuture<Envelope>> pending = new ConcurrentHashMap<>();
    final SerialExecutor listeners;

    Channel(PeerConnection connection, PeerStream stream, EnvelopeCodec codec, SerialExecutor listeners) {
        this.connection = connection;
        this.stream = stream;
        this.out = stream.output();
        this.codec = codec;
        this.listeners = listeners;
    }

    NodeId peer() {
        return connection.remoteNodeId();
    }

    PeerConnection connection() {
        return connection;
    }

    PeerStream stream() {
        return stream;
    }

    boolean isOpen() {
        return connection.isOpen();
    }

    long nextId() {
        return nextId.getAndIncrement();
    }

    void send(Envelope e) throws IOException {
        byte[] bytes = codec.encode(e);
        synchronized (out) {
            Frames.write(out, bytes);
            out.flush();
        }
    }

    /** Ends the channel: fails every waiting request with {@code why}. */
    void fail(IOException why) {
        for (var it = pending.entrySet().iterator(); it.hasNext();) {
            var entry = it.next();
            it.remove();
            entry.getValue().completeExceptionally(why);
        }
    }

    void close(long code, String reason) {
        connection.close(code, reason);
        fail(new ConnectionClosedException(code, reason, false));
    }

    void protocolError(String reason) {
        close(CloseCode.PROTOCOL_ERROR, reason);
    }
}
