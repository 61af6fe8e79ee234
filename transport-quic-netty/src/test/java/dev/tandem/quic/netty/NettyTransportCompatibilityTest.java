package dev.tandem.quic.netty;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.testkit.TransportCompatibilityKit;

/** The Netty QUIC transport over real UDP on loopback passes the transport compatibility kit. */
class NettyTransportCompatibilityTest extends TransportCompatibilityKit {
    @Override
    protected Transport newTransport(NetworkIdentity identity) {
        return new NettyQuicTransport(identity);
    }

    @Override
    protected void crash(Transport transport) {
        ((NettyQuicTransport) transport).crash();
    }

    @Override
    protected long largeTransferBytes() {
        return 64L << 20;
    }
}
