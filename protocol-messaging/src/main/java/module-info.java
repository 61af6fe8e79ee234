/** Typed JSON messages between paired devices: ALPN tandem/messaging/1. */
module dev.tandem.messaging {
    requires transitive dev.tandem.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static com.google.auto.service;

    exports dev.tandem.messaging;
    // Jackson reads and writes the built-in message records.
    opens dev.tandem.messaging to com.fasterxml.jackson.databind;

    provides dev.tandem.core.protocol.ProtocolProvider with dev.tandem.messaging.MessagingProvider;
}
