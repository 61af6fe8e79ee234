package dev.tandem.quic;

import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The end of a QUIC connection and the streams its peer opened, as both QUIC transports keep them: how it closed
 * (first close wins), the queue {@code acceptStream()} takes from, and the close codes as they travel on the wire.
 */
public final class ConnectionLifecycle {
    /**
     * On the wire Tandem's {@link CloseCode#NORMAL} (0) travels as this application error code: kwik 0.10.8 treats
     * application code 0 as "no error" and drops its reason phrase. Other codes travel unchanged.
     */
    public static final long WIRE_NORMAL = 0x54_41_4e_44L; // "TAND"
    private static final Object CLOSED_MARKER = new Object();

    private final LinkedBlockingQueue<Object> accepted = new LinkedBlockingQueue<>();
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();

    public static long toWire(long code) {
        return code == CloseCode.NORMAL ? WIRE_NORMAL : code;
    }

    public static long fromWire(long wire) {
        return wire == WIRE_NORMAL ? CloseCode.NORMAL : wire;
    }

    /** Records how the connection ended and wakes acceptors; false if it had ended already. */
    public boolean terminate(ConnectionClosedException how) {
        if (!closed.complete(how)) {
            return false;
        }
        accepted.add(CLOSED_MARKER);
        return true;
    }

    /** Queues a stream the peer opened (dropped once the connection has ended). */
    public void accepted(PeerStream s) {
        if (!closed.isDone()) {
            accepted.add(s);
        }
    }

    /** The next stream the peer opened; once closed and drained, how the connection closed. */
    public PeerStream take() throws ConnectionClosedException, InterruptedException {
        ConnectionClosedException e = closed.getNow(null);
        if (e != null && (accepted.isEmpty() || accepted.peek() == CLOSED_MARKER)) {
            throw e;
        }
        Object s = accepted.take();
        if (s == CLOSED_MARKER) {
            accepted.add(CLOSED_MARKER);
            throw closed.getNow(null);
        }
        return (PeerStream) s;
    }

    public void checkOpen() throws ConnectionClosedException {
        ConnectionClosedException e = closed.getNow(null);
        if (e != null) {
            throw e;
        }
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    /** How the connection closed, or null while it is open. */
    public ConnectionClosedException closedNow() {
        return closed.getNow(null);
    }

    public CompletableFuture<ConnectionClosedException> future() {
        return closed;
    }

    public CompletionStage<ConnectionClosedException> stage() {
        return closed.minimalCompletionStage();
    }
}
