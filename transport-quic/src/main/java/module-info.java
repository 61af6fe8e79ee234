/** Tandem's QUIC transport on kwik, with node-key authentication on both sides. */
module dev.tandem.transport.quic {
    requires transitive dev.tandem.core;
    requires org.slf4j;
    requires tech.kwik.core;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires jdk.management;
    requires static com.google.auto.service;

    exports dev.tandem.quic;
    exports dev.tandem.quic.auth;
    exports dev.tandem.quic.bench;

    provides dev.tandem.core.transport.TransportProvider with dev.tandem.quic.QuicTransportProvider;
}
