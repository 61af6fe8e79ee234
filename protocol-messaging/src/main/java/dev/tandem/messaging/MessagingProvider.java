package dev.tandem.messaging;

import com.google.auto.service.AutoService;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.transport.StreamLimits;

/** Plugs {@link Messaging} into a node: paired devices only, one stream per connection. */
@AutoService(ProtocolProvider.class)
public final class MessagingProvider implements ProtocolProvider {
    @Override
    public ProtocolDescriptor descriptor() {
        // The dialler opens one stream per connection; a few spare allow a reconnect race.
        return ProtocolDescriptor.of(Messaging.ALPN).withLimits(new StreamLimits(4, 0, 1 << 20));
    }

    @Override
    public ProtocolHandler create(ProtocolContext context) {
        return new Messaging(context);
    }
}
