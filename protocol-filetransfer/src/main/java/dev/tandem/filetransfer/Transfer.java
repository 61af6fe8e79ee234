package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A running transfer on this node. {@link #result()} completes with the outcome, or fails with a
 * {@link TransferException}; {@link #cancel(String)} stops it and tells the peer why.
 *
 * <p>On the sender one handle spans every attempt (reconnections are automatic). On the receiver a handle
 * covers one connection: if the sender reconnects to resume, a new handle appears in
 * {@link FileTransfer#onIncoming}.
 */
public final class Transfer {
    private final String id;
    private final NodeId peer;
    private final Direction direction;
    private final CompletableFuture<TransferResult> result = new CompletableFuture<>();
    private final AtomicReference<TransferProgress> progress = new AtomicReference<>();
    private final Consumer<String> canceller;

    Transfer(String id, NodeId peer, Direction direction, Consumer<String> canceller) {
        this.id = id;
        this.peer = peer;
        this.direction = direction;
        this.canceller = canceller;
    }

    /** The transfer's id (hex): the same on both sides and for a rerun of the same send. */
    public String id() {
        return id;
    }

    public NodeId peer() {
        return peer;
    }

    public Direction direction() {
        return direction;
    }

    /** The latest progress, or null before the first report. */
    public TransferProgress progress() {
        return progress.get();
    }

    /** Completes when every file is verified and in place at the receiver. */
    public CompletableFuture<TransferResult> result() {
        return result.copy();
    }

    /** Stops the transfer and tells the peer {@code reason}. Does nothing once it has ended. */
    public void cancel(String reason) {
        if (!result.isDone()) {
            canceller.accept(reason == null ? "cancelled" : reason);
        }
    }

    public boolean isDone() {
        return result.isDone();
    }

    void progress(TransferProgress p) {
        progress.set(p);
    }

    boolean complete(TransferResult r) {
        return result.complete(r);
    }

    boolean fail(Throwable t) {
        return result.completeExceptionally(t);
    }

    @Override
    public String toString() {
        return "Transfer[" + id.substring(0, Math.min(10, id.length())) + " " + direction + " "
                + peer.shortForm() + "]";
    }
}
