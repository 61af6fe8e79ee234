package dev.tandem.testkit;

import com.google.auto.service.AutoService;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportProvider;
import java.util.Map;

/**
 * Makes the in-memory transport selectable by name ("memory") on one network shared by the whole JVM,
 * for tests that build nodes the way applications do. Ranked below every real transport.
 */
@AutoService(TransportProvider.class)
public final class InMemoryTransportProvider implements TransportProvider {
    private static final InMemoryNetwork SHARED = new InMemoryNetwork();

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public int priority() {
        return -1000;
    }

    @Override
    public Transport create(NetworkIdentity identity, Map<String, String> options) {
        return SHARED.newTransport(identity);
    }
}
