package dev.tandem.pairing;

import com.google.auto.service.AutoService;
import dev.tandem.core.protocol.PeerPolicy;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.transport.StreamLimits;

/** Serves {@value Pairing#ALPN} to any authenticated peer (pairing is how peers become trusted). */
@AutoService(ProtocolProvider.class)
public final class PairingProvider implements ProtocolProvider {
    /** One stream per connection is all pairing uses; small windows since messages are under 1 KiB. */
    static final StreamLimits LIMITS = new StreamLimits(1, 0, 16 * 1024);

    @Override
    public ProtocolDescriptor descriptor() {
        return ProtocolDescriptor.of(Pairing.ALPN).withPeerPolicy(PeerPolicy.ANY_PEER).withLimits(LIMITS);
    }

    @Override
    public ProtocolHandler create(ProtocolContext context) {
        return new Pairing(context, null);
    }
}
