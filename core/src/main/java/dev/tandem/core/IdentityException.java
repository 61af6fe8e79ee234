package dev.tandem.core;

import java.io.IOException;

/** The node's key file cannot be used: unreadable, corrupt, or inconsistent. Never replaced silently. */
public class IdentityException extends IOException {
    public IdentityException(String message) {
        super(message);
    }

    public IdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
