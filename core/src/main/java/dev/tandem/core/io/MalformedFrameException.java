package dev.tandem.core.io;

import dev.tandem.core.transport.TransportException;

/** Bytes from a peer that break the framing rules: truncated, oversized, or undecodable. */
public class MalformedFrameException extends TransportException {
    public MalformedFrameException(String message) {
        super(message);
    }

    public MalformedFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
