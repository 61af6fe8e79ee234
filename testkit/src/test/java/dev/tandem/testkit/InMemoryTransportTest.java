package dev.tandem.testkit;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;

/** The in-memory transport passes the same kit as the real ones. */
class InMemoryTransportTest extends TransportCompatibilityKit {
    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected Transport newTransport(NetworkIdentity identity) {
        return network.newTransport(identity);
    }

    @Override
    protected void crash(Transport transport) {
        ((InMemoryTransport) transport).crash();
    }

    @Override
    protected long largeTransferBytes() {
        return 256L << 20;
    }
}
