package dev.tandem.core.transport;

/** The connection is closed: by this side, by the peer (with its code and reason), or by a timeout. */
public class ConnectionClosedException extends TransportException {
    private final long code;
    private final String reason;
    private final boolean byPeer;

    public ConnectionClosedException(long code, String reason, boolean byPeer) {
        super("connection closed " + (byPeer ? "by peer" : "locally") + ": " + CloseCode.describe(code)
                + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")"));
        this.code = code;
        this.reason = reason == null ? "" : reason;
        this.byPeer = byPeer;
    }

    public long code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public boolean byPeer() {
        return byPeer;
    }
}
