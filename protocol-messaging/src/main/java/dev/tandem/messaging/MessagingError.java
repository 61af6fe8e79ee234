package dev.tandem.messaging;

/**
 * Thrown by a request handler to answer with a typed error; the caller's future fails with a
 * {@link RemoteErrorException} carrying the same code and message.
 */
public class MessagingError extends RuntimeException {
    private final String code;

    public MessagingError(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
