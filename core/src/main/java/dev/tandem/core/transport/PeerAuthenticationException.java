package dev.tandem.core.transport;

/** The peer is not who it should be, or could not prove its node key. */
public class PeerAuthenticationException extends TransportException {
    public PeerAuthenticationException(String message) {
        super(message);
    }

    public PeerAuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
