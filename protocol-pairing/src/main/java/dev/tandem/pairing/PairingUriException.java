package dev.tandem.pairing;

/** A {@code tandem:} pairing link that cannot be used; the message says what is wrong with it. */
public final class PairingUriException extends IllegalArgumentException {
    public PairingUriException(String message) {
        super(message);
    }

    public PairingUriException(String message, Throwable cause) {
        super(message, cause);
    }
}
