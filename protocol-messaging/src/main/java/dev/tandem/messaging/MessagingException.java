package dev.tandem.messaging;

import java.io.IOException;

/** A message could not be delivered or answered. Subclasses say why. */
public class MessagingException extends IOException {
    public MessagingException(String message) {
        super(message);
    }

    public MessagingException(String message, Throwable cause) {
        super(message, cause);
    }
}
