package dev.tandem.filetransfer;

import java.io.IOException;

/** A transfer failed; {@link #error()} says why and {@link #byPeer()} whether the other side reported it. */
public class TransferException extends IOException {
    private final TransferError error;
    private final boolean byPeer;

    public TransferException(TransferError error, String message) {
        this(error, message, false, null);
    }

    public TransferException(TransferError error, String message, Throwable cause) {
        this(error, message, false, cause);
    }

    public TransferException(TransferError error, String message, boolean byPeer, Throwable cause) {
        super(error + (byPeer ? " (reported by peer)" : "") + ": " + message, cause);
        this.error = error;
        this.byPeer = byPeer;
    }

    public TransferError error() {
        return error;
    }

    /** True if the other side detected the problem or made the decision (reject, cancel, disk full there). */
    public boolean byPeer() {
        return byPeer;
    }

    /** The message without the code prefix, as sent on the wire. */
    String detail() {
        String m = getMessage();
        int i = m.indexOf(": ");
        return i < 0 ? m : m.substring(i + 2);
    }
}
