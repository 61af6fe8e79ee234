package dev.tandem.messaging;

/**
 * The peer answered a request with an error: its handler refused it ({@link MessagingError}), failed, or
 * did not know the message type ({@link #UNKNOWN_TYPE}).
 */
public class RemoteErrorException extends MessagingException {
    /** The peer has no handler registered for the type that was sent. */
    public static final String UNKNOWN_TYPE = "unknown-type";
    /** The peer's handler threw something other than a {@link MessagingError}. */
    public static final String HANDLER_FAILED = "handler-failed";
    /** The peer could not decode the message body as the registered type. */
    public static final String BAD_MESSAGE = "bad-message";

    private final String code;

    public RemoteErrorException(String code, String message) {
        super("peer answered with error " + code + (message == null || message.isEmpty() ? "" : ": " + message));
        this.code = code;
    }

    public String code() {
        return code;
    }
}
