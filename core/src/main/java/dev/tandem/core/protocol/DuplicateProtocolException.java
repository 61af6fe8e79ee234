package dev.tandem.core.protocol;

/** Two providers claim the same ALPN; the message names both. */
public class DuplicateProtocolException extends IllegalStateException {
    public DuplicateProtocolException(String alpn, String first, String second) {
        super("ALPN '" + alpn + "' is claimed by both " + first + " and " + second
                + "; register only one of them");
    }
}
