package dev.tandem.core.transport;

/**
 * Application close codes Tandem uses on connections and streams. Protocols may use their own codes at or
 * above {@link #PROTOCOL_BASE}.
 */
public final class CloseCode {
    /** Orderly close, nothing went wrong. */
    public static final long NORMAL = 0;
    /** The node is shutting down. */
    public static final long SHUTDOWN = 1;
    /** The peer could not prove it holds the key of the node id it claims. */
    public static final long AUTHENTICATION_FAILED = 2;
    /** No protocol is served under the requested ALPN. */
    public static final long UNKNOWN_PROTOCOL = 3;
    /** The protocol is for paired devices only and the peer is not paired. */
    public static final long NOT_PAIRED = 4;
    /** The node has no capacity to handle another connection now. */
    public static final long BUSY = 5;
    /** The peer broke the protocol's rules (malformed, oversized or out-of-order data). */
    public static final long PROTOCOL_ERROR = 6;
    /** The protocol handler failed unexpectedly. */
    public static final long INTERNAL_ERROR = 7;
    /** No progress was made for too long while data was pending. */
    public static final long STALLED = 8;
    /** The stream or transfer was cancelled by the application. */
    public static final long CANCELLED = 9;
    /** Local only: the peer stopped answering and the connection timed out (no close frame came). */
    public static final long IDLE_TIMEOUT = 10;
    /** First code free for protocols' own use. */
    public static final long PROTOCOL_BASE = 0x100;

    private CloseCode() {
    }

    /** A readable name for a code, for messages and logs. */
    public static String describe(long code) {
        return switch ((int) Math.min(code, Integer.MAX_VALUE)) {
            case 0 -> "normal";
            case 1 -> "shutdown";
            case 2 -> "authentication failed";
            case 3 -> "unknown protocol";
            case 4 -> "not paired";
            case 5 -> "busy";
            case 6 -> "protocol error";
            case 7 -> "internal error";
            case 8 -> "stalled";
            case 9 -> "cancelled";
            case 10 -> "idle timeout";
            default -> "code " + code;
        };
    }
}
