package dev.tandem.quic.netty;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Two Netty transports on loopback, one connection between them: the client's side and the server's. */
final class NettyPair implements AutoCloseable {
    static final String ALPN = "tandem-test/a/1";
    final NettyQuicTransport server;
    final NettyQuicTransport client;
    final PeerConnection clientSide;
    final PeerConnection serverSide;

    NettyPair(NettySettings settings) throws Exception {
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        server = new NettyQuicTransport(NetworkIdentity.generate(), settings);
        client = new NettyQuicTransport(NetworkIdentity.generate(), settings);
        try {
            server.start(config, inbound::add);
            client.start(config, c -> { });
            clientSide = client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS);
            PeerConnection s = inbound.poll(20, TimeUnit.SECONDS);
            if (s == null) {
                throw new IOException("the server did not accept the connection");
            }
            serverSide = s;
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    NettyPair() throws Exception {
        this(NettySettings.DEFAULTS);
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
