/** Tandem's test fixtures: the in-memory transport and the transport compatibility kit. */
module dev.tandem.testkit {
    requires transitive dev.tandem.core;
    requires org.junit.jupiter.api;

    requires static com.google.auto.service;

    exports dev.tandem.testkit;

    provides dev.tandem.core.transport.TransportProvider with dev.tandem.testkit.InMemoryTransportProvider;
    opens dev.tandem.testkit to org.junit.platform.commons;
}
