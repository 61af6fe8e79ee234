package dev.tandem.quic;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.testkit.TransportCompatibilityKit;

/** The QUIC transport over real UDP on loopback passes the transport compatibility kit. */
class QuicTransportCompatibilityTest extends TransportCompatibilityKit {
    @Override
    protected Transport newTransport(NetworkIdentity identity) {
        return new QuicTransport(identity);
    }

    @Override
    protected void crash(Transport transport) {
        ((QuicTransport) transport).crash();
    }

    @Override
    protected boolean supportsResetCodes() {
        return false; // kwik 0.10.8 does not surface the peer's RESET_STREAM code
    }

    @Override
    protected long largeTransferBytes() {
        return 64L << 20;
    }
}
