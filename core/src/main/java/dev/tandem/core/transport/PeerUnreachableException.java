package dev.tandem.core.transport;

/** No path to the peer worked within the connect timeout, or the peer refused the connection. */
public class PeerUnreachableException extends TransportException {
    public PeerUnreachableException(String message) {
        super(message);
    }

    public PeerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
