/** Tandem core: identity, transport and protocol SPI, registries and the networking service. */
module dev.tandem.core {
    requires org.slf4j;

    exports dev.tandem.core;
    exports dev.tandem.core.transport;
    exports dev.tandem.core.protocol;
    exports dev.tandem.core.device;
    exports dev.tandem.core.event;
    exports dev.tandem.core.service;
    exports dev.tandem.core.io;
    exports dev.tandem.core.crypto;
    exports dev.tandem.core.discovery;
    exports dev.tandem.core.discovery.lan;
    // Shared with Tandem's own modules only; not API.
    exports dev.tandem.core.internal to dev.tandem.testkit, dev.tandem.transport.quic, dev.tandem.pairing,
            dev.tandem.messaging, dev.tandem.filetransfer, dev.tandem.cli;

    uses dev.tandem.core.protocol.ProtocolProvider;
    uses dev.tandem.core.transport.TransportProvider;
}
