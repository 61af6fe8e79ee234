package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.core.transport.TransportProvider;
import dev.tandem.quic.QuicTransportProvider;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider is found, ranks above kwik and is what "auto" picks where the native library loads. */
class NettyQuicTransportProviderTest {
    @TempDir
    Path dir;

    @Test
    void foundByServiceLoaderAndRankedAboveKwik() {
        TransportProvider netty = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("netty")).findFirst().orElseThrow();
        assertTrue(netty.priority() > new QuicTransportProvider().priority());
        assertTrue(netty.isAvailable(), "native QUIC should load on this platform: " + netty.unavailableReason());
        assertEquals("", netty.unavailableReason());
    }

    @Test
    void autoPicksNettyWhereItLoads() throws Exception {
        try (TandemNode n = TandemNode.builder().dataDir(dir).transport(TandemNode.AUTO).bindHost("127.0.0.1")
                .option("discovery.lan", "false").build().start()) {
            assertEquals("netty", n.transportName());
            String io = ((NettyQuicTransport) n.networking().transport()).ioMode();
            assertTrue(io.matches("epoll(\\+gso)?(\\+recvmmsg)?|nio"), io);
        }
    }
}
