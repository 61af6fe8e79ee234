package dev.tandem.quic.netty;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.quic.QuicTransport;
import dev.tandem.testkit.TransportCompatibilityKit;

/**
 * The compatibility kit with one node on kwik and the other on Netty: proves the two transports speak the same
 * wire protocol (identity, client proof, streams, FIN, resets, close codes). The kit makes the server first.
 */
abstract class MixedTransportKit extends TransportCompatibilityKit {
    private int made;

    /** True if the server node runs Netty (and the client kwik); false for the reverse. */
    protected abstract boolean nettyServer();

    @Override
    protected Transport newTransport(NetworkIdentity identity) {
        boolean serverNode = made++ % 2 == 0;
        return serverNode == nettyServer() ? new NettyQuicTransport(identity) : new QuicTransport(identity);
    }

    @Override
    protected void crash(Transport transport) {
        if (transport instanceof NettyQuicTransport n) {
            n.crash();
        } else {
            ((QuicTransport) transport).crash();
        }
    }

    @Override
    protected boolean supportsResetCodes() {
        return false; // kwik 0.10.8 neither reports the peer's reset code
    }

    @Override
    protected long largeTransferBytes() {
        return 32L << 20;
    }
}
