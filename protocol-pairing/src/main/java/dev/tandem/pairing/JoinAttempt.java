package dev.tandem.pairing;

import dev.tandem.core.device.Device;
import dev.tandem.core.discovery.RendezvousId;
import dev.tandem.core.transport.PeerConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

/** One joiner's attempt: its secrets, its deadline, its connection once dialled, and its result. */
final class JoinAttempt {
    final RendezvousId rendezvous;
    private final byte[] key;
    final CompletableFuture<Device> result = new CompletableFuture<>();
    private volatile PeerConnection connection;
    private volatile long deadlineNanos;
    private volatile ScheduledFuture<?> expiryTask;
    private volatile AutoCloseable lookup;
    private boolean done;

    JoinAttempt(RendezvousId rendezvous, byte[] key, long deadlineNanos) {
        this.rendezvous = rendezvous;
        this.key = key.clone();
        this.deadlineNanos = deadlineNanos;
    }

    byte[] key() {
        return key.clone();
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    void deadline(long nanos, ScheduledFuture<?> task) {
        ScheduledFuture<?> old = expiryTask;
        deadlineNanos = nanos;
        expiryTask = task;
        if (old != null) {
            old.cancel(false);
        }
    }

    void lookup(AutoCloseable handle) {
        lookup = handle;
    }

    AutoCloseable lookup() {
        return lookup;
    }

    /** Sets the connection; false if the attempt already ended (the caller closes it). */
    synchronized boolean attach(PeerConnection c) {
        if (done) {
            return false;
        }
        connection = c;
        return true;
    }

    PeerConnection connection() {
        return connection;
    }

    synchronized boolean isDone() {
        return done;
    }

    /** Ends with a failure; false if already ended. */
    boolean fail(PairingException e) {
        synchronized (this) {
            if (done) {
                return false;
            }
            done = true;
        }
        cleanup();
        result.completeExceptionally(e);
        return true;
    }

    /** Stores and completes, unless the attempt already ended. */
    Device succeed(Supplier<Device> store) {
        Device d;
        synchronized (this) {
            if (done) {
                return null;
            }
            d = store.get();
            done = true;
        }
        cleanup();
        result.complete(d);
        return d;
    }

    /** The caller cancelled the future itself. */
    synchronized boolean markCancelled() {
        if (done) {
            return false;
        }
        done = true;
        return true;
    }

    void cleanup() {
        ScheduledFuture<?> t = expiryTask;
        if (t != null) {
            t.cancel(false);
        }
        java.util.Arrays.fill(key, (byte) 0);
    }
}
