package dev.tandem.messaging;

/** A chat line, the message {@code tandem msg} sends. Registered as {@value #TYPE} on every node. */
public record Chat(String text) {
    public static final String TYPE = "tandem.chat";
}
