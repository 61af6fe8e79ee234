package dev.tandem.filetransfer;

/** Why a transfer did not complete. The wire name travels in ERROR and REJECT messages. */
public enum TransferError {
    /** The receiver (or its policy) declined the offer. */
    REJECTED(false),
    /** One side cancelled; the message carries its reason. */
    CANCELLED(false),
    /** A chunk failed AES-GCM authentication: altered in transit or a wrong key. */
    INTEGRITY(false),
    /** A whole file's SHA-256 did not match the sender's; the partial file was deleted. */
    HASH_MISMATCH(false),
    /** The receiver ran out of space; its partial file is kept for a later resume. */
    DISK_FULL(false),
    /** The offer exceeds the receiver's limits (file count, name length, total size). */
    LIMIT_EXCEEDED(false),
    /** The peer broke the protocol (malformed, out-of-order or hostile data). */
    PROTOCOL(false),
    /** The device is not paired, so no session key can be derived. */
    NOT_PAIRED(false),
    /** A source file changed, vanished or could not be read while it was being sent. */
    SOURCE(false),
    /** A local I/O error at the receiver other than a full disk. */
    IO(false),
    /** The receiver is already running this transfer on another connection. */
    BUSY(true),
    /** The connection dropped, stalled or the peer could not be reached; retried automatically. */
    NETWORK(true),
    /** Automatic retries gave up; the cause is the last failure. */
    RETRIES_EXHAUSTED(false);

    private final boolean retryable;

    TransferError(boolean retryable) {
        this.retryable = retryable;
    }

    /** True if a new attempt may succeed without anyone changing anything. */
    public boolean retryable() {
        return retryable;
    }

    static TransferError fromWire(String name) {
        if (name == null) {
            return PROTOCOL;
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return PROTOCOL;
        }
    }
}
