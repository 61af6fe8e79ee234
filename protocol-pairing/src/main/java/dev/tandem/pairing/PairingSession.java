package dev.tandem.pairing;

import dev.tandem.core.device.Device;
import dev.tandem.core.transport.PeerConnection;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An initiator's open pairing session: show {@link #words()} (or {@link #uri()} as a QR code) to the other
 * device's user, then wait on {@link #result()}. One session admits one joiner; any failed proof ends it.
 */
public final class PairingSession {
    enum State { OPEN, ACTIVE, DONE }

    private final Pairing owner;
    private final PairingCode code;
    private final PairingOptions options;
    private final Instant expiresAt;
    private final URI uri;
    private final CompletableFuture<Device> result = new CompletableFuture<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private volatile PeerConnection connection;
    private volatile PairingException.Reason ending;

    PairingSession(Pairing owner, PairingCode code, PairingOptions options, Instant expiresAt, URI uri) {
        this.owner = owner;
        this.code = code;
        this.options = options;
        this.expiresAt = expiresAt;
        this.uri = uri;
    }

    /** The 12 words to show. */
    public List<String> words() {
        return code.words();
    }

    /** The {@code tandem:pair?...} link (words, this node's id and addresses), e.g. for a QR code. */
    public URI uri() {
        return uri;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /** Completes with the paired device, or exceptionally with a {@link PairingException}. */
    public CompletableFuture<Device> result() {
        return result;
    }

    /** Blocks until the session ends: the paired device, or the {@link PairingException} saying why not. */
    public Device await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw PairingException.unwrap(e);
        }
    }

    /** Ends the session; a joiner in progress is told. No effect once the session has ended. */
    public void cancel() {
        owner.cancelSession(this, false);
    }

    public boolean isOpen() {
        return state.get() != State.DONE;
    }

    @Override
    public String toString() {
        return "PairingSession[" + state.get() + ", expires " + expiresAt + ", code redacted]";
    }

    PairingCode code() {
        return code;
    }

    PairingOptions options() {
        return options;
    }

    PeerConnection connection() {
        return connection;
    }

    /** Admits the one joiner of this session. */
    boolean admit(PeerConnection c) {
        synchronized (this) {
            if (state.compareAndSet(State.OPEN, State.ACTIVE)) {
                connection = c;
                return true;
            }
            return false;
        }
    }

    /**
     * Records why this side is about to end the session (expiry, cancel), before it closes the connection: the
     * close wakes the session's handler with a locally closed connection, and the handler must then leave the
     * ending to the caller instead of failing the session as CANCELLED first (seen once in CI for an expiry).
     */
    void ending(PairingException.Reason why) {
        ending = why;
    }

    /** Why this side is ending the session, or null. */
    PairingException.Reason ending() {
        return ending;
    }

    /** Ends the session with a failure; false if it had already ended. */
    boolean fail(PairingException e) {
        synchronized (this) {
            if (state.getAndSet(State.DONE) == State.DONE) {
                return false;
            }
        }
        result.completeExceptionally(e);
        return true;
    }

    /** Runs {@code store} and completes the session, atomically with respect to cancel and expiry. */
    Device succeed(Supplier<Device> store) {
        Device d;
        synchronized (this) {
            if (state.get() != State.ACTIVE) {
                return null;
            }
            d = store.get();
            state.set(State.DONE);
        }
        result.complete(d);
        return d;
    }
}
