package dev.tandem.quic.netty;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Child process of {@link PathMtuNamespaceTest}, run inside the test's network namespace: a Netty node that echoes
 * every stream of the first connection and, after each, prints the connection's datagram size and how many IP
 * fragment reassemblies the namespace has seen ({@code Ip: ReasmReqds}). Exits when its standard input closes.
 */
public final class MtuEchoPeer {
    private MtuEchoPeer() {
    }

    public static void main(String[] args) throws Exception {
        TransportConfig config = TransportConfig.of(Map.of(NettyPair.ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getByName(args[0]), 0));
        try (NettyQuicTransport node = new NettyQuicTransport(NetworkIdentity.generate())) {
            node.start(config, c -> new Thread(() -> echo(c), "echo").start());
            InetSocketAddress bound = node.localAddr().directAddresses().get(0);
            System.out.println("LISTENING " + bound.getPort() + " " + node.localAddr().id().toHex());
            System.out.flush();
            while (System.in.read() >= 0) {
                // the test closes our input when it is done
            }
        }
    }

    private static void echo(PeerConnection c) {
        try {
            byte[] buf = new byte[64 * 1024];
            while (true) {
                PeerStream s = c.acceptStream();
                try (InputStream in = s.input(); OutputStream out = s.output()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, n);
                    }
                }
                System.out.println("ECHOED PMTU " + ((NettyPeerConnection) c).pathMtu() + " REASSEMBLIES "
                        + reassemblies());
                System.out.flush();
            }
        } catch (Exception e) {
            System.out.println("ECHO ENDED " + e);
            System.out.flush();
        }
    }

    /** IP fragment reassemblies requested in this network namespace so far. */
    static long reassemblies() throws java.io.IOException {
        String[] lines = Files.readAllLines(Path.of("/proc/net/snmp")).stream().filter(l -> l.startsWith("Ip:"))
                .toArray(String[]::new);
        String[] names = lines[0].split("\\s+");
        String[] values = lines[1].split("\\s+");
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals("ReasmReqds")) {
                return Long.parseLong(values[i]);
            }
        }
        throw new IllegalStateException("no ReasmReqds in /proc/net/snmp");
    }
}
