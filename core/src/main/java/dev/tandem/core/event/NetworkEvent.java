package dev.tandem.core.event;

/**
 * Something that happened in a node. Core's events are the records in this package; protocol modules add
 * their own (pairing progress, transfer progress, messages) by implementing this interface.
 */
public interface NetworkEvent {
}
