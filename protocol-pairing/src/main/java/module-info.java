/** Tandem device pairing: BIP39 word codes, mutual proof of the code, identity signatures, revocation. */
module dev.tandem.pairing {
    requires dev.tandem.core;
    requires org.slf4j;
    requires static com.google.auto.service;

    exports dev.tandem.pairing;

    provides dev.tandem.core.protocol.ProtocolProvider with dev.tandem.pairing.PairingProvider;
}
