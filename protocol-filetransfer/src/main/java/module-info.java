/** Encrypted, verified, resumable file transfer between paired devices: ALPN tandem/filetransfer/1. */
module dev.tandem.filetransfer {
    requires transitive dev.tandem.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires jdk.management;
    requires static com.google.auto.service;

    exports dev.tandem.filetransfer;
    // Jackson reads and writes the wire and journal records.
    opens dev.tandem.filetransfer to com.fasterxml.jackson.databind;

    provides dev.tandem.core.protocol.ProtocolProvider with dev.tandem.filetransfer.FileTransferProvider;
}
