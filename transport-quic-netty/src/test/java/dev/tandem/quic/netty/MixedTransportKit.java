package dev.tandem.quic.netty;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.quic.QuicTransport;
import dev.tandem.testkit.TransportCompatibilityKit;
import java.time.Duration;

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

    /**
     * kwik's handshake occasionally needs retransmissions on a loaded 2-vCPU host (its own suite sees rare 10 s
     * connect timeouts too); the kit waits 20 s for a dial, so allow the handshake most of that.
     */
    @Override
    protected TransportConfig config() {
        return super.config().withConnectTimeout(Duration.ofSeconds(18));
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
