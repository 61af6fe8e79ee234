package dev.tandem.quic;

import com.google.auto.service.AutoService;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportProvider;
import java.util.Map;

/**
 * Makes {@link QuicTransport}s, by the name "kwik". Options: see {@link QuicSettings#fromOptions(Map)}.
 */
@AutoService(TransportProvider.class)
public final class QuicTransportProvider implements TransportProvider {
    public static final String NAME = "kwik";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Transport create(NetworkIdentity identity, Map<String, String> options) {
        return new QuicTransport(identity, QuicSettings.fromOptions(options));
    }
}
