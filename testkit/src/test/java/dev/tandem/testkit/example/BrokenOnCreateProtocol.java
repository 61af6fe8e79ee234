package dev.tandem.testkit.example;

import com.google.auto.service.AutoService;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;

/** A discovered protocol whose factory fails: the node must report it by name and serve the rest. */
@AutoService(ProtocolProvider.class)
public final class BrokenOnCreateProtocol implements ProtocolProvider {
    public static final String ALPN = "example/broken/1";

    @Override
    public ProtocolDescriptor descriptor() {
        return ProtocolDescriptor.of(ALPN);
    }

    @Override
    public ProtocolHandler create(ProtocolContext context) {
        throw new IllegalStateException("cannot start: missing configuration");
    }
}
