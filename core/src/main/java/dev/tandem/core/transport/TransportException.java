package dev.tandem.core.transport;

import java.io.IOException;

/** A network operation failed. Subclasses say how. */
public class TransportException extends IOException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
