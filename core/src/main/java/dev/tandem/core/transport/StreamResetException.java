package dev.tandem.core.transport;

/** The peer abandoned the stream (QUIC RESET_STREAM or STOP_SENDING) with an application code. */
public class StreamResetException extends TransportException {
    private final long code;

    public StreamResetException(long code) {
        super("stream reset by peer: " + CloseCode.describe(code));
        this.code = code;
    }

    public long code() {
        return code;
    }
}
