package dev.tandem.core.transport;

import java.time.Duration;

/** A read did not complete within the deadline set with {@link PeerStream#setReadTimeout(Duration)}. */
public class StreamTimeoutException extends TransportException {
    public StreamTimeoutException(Duration timeout) {
        super("no data within " + timeout.toMillis() + " ms");
    }
}
