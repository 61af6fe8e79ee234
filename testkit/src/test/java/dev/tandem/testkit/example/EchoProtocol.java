package dev.tandem.testkit.example;

import com.google.auto.service.AutoService;
import dev.tandem.core.protocol.PeerPolicy;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;

/**
 * A third-party protocol, the smallest there is: every stream is echoed back. It is registered only
 * through its generated {@code META-INF/services} entry, as a jar dropped on the class path would be.
 */
@AutoService(ProtocolProvider.class)
public final class EchoProtocol implements ProtocolProvider {
    public static final String ALPN = "example/echo/1";

    @Override
    public ProtocolDescriptor descriptor() {
        return ProtocolDescriptor.of(ALPN).withPeerPolicy(PeerPolicy.ANY_PEER);
    }

    @Override
    public ProtocolHandler create(ProtocolContext context) {
        return (PeerConnection connection) -> {
            while (true) {
                PeerStream s = connection.acceptStream();
                context.executor().execute(() -> {
                    try (s) {
                        s.input().transferTo(s.output());
                        s.output().close();
                    } catch (java.io.IOException e) {
                        s.reset(dev.tandem.core.transport.CloseCode.INTERNAL_ERROR);
                    }
                });
            }
        };
    }
}
