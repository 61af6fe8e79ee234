/** The {@code tandem} command. Open so picocli can fill in options reflectively. */
open module dev.tandem.cli {
    requires dev.tandem.core;
    requires dev.tandem.messaging;
    requires dev.tandem.pairing;
    requires dev.tandem.filetransfer;
    requires dev.tandem.transport.quic;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires java.management;
}
