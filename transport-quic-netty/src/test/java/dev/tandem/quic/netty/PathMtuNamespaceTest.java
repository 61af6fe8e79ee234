package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real 1500-byte-MTU link: a veth pair between this JVM and a network namespace the test creates, with a child
 * JVM echoing streams inside it. Path MTU discovery probes 16383-byte datagrams there; the socket refuses to send
 * them (counted as send failures) instead of splitting them into IP fragments, and both ends settle on datagrams
 * that fit 1500 bytes, with the data intact and not one fragment reassembled in the namespace. Needs root and
 * iproute2; skipped otherwise. The namespace and the veth pair are deleted in {@code finally}.
 */
@Timeout(120)
class PathMtuNamespaceTest {
    private static final int LINK_MTU = 1500;
    /** Largest UDP payload of one IPv4 packet on the link: MTU less the IP and UDP headers. */
    private static final int FITS = LINK_MTU - 28;
    private static final int ROUND_BYTES = 2 << 20;

    @TempDir
    Path dir;

    @Test
    void datagramsSettleOnWhatTheLinkCarriesWithoutFragmenting() throws Exception {
        assumeTrue(Epoll.isAvailable(), "path MTU discovery runs on epoll only");
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String ns = "tandem-mtu-" + tag;
        String here = "tm" + tag + "a";
        String there = "tm" + tag + "b";
        int subnet = ThreadLocalRandom.current().nextInt(256);
        String hereIp = "10.213." + subnet + ".1";
        String thereIp = "10.213." + subnet + ".2";
        assumeTrue(run("ip", "netns", "add", ns) == 0, "cannot create network namespaces (not root?)");
        Process child = null;
        try {
            assertEquals(0, run("ip", "link", "add", here, "mtu", "" + LINK_MTU, "type", "veth", "peer", "name", there,
                    "mtu", "" + LINK_MTU));
            assertEquals(0, run("ip", "link", "set", there, "netns", ns));
            assertEquals(0, run("ip", "addr", "add", hereIp + "/30", "dev", here));
            assertEquals(0, run("ip", "link", "set", here, "up"));
            assertEquals(0, run("ip", "-n", ns, "addr", "add", thereIp + "/30", "dev", there));
            assertEquals(0, run("ip", "-n", ns, "link", "set", there, "up"));
            assertEquals(0, run("ip", "-n", ns, "link", "set", "lo", "up"));

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            child = new ProcessBuilder("ip", "netns", "exec", ns, java, "-cp", System.getProperty("java.class.path"),
                    MtuEchoPeer.class.getName(), thereIp).redirectError(dir.resolve("child.err").toFile()).start();
            BufferedReader childOut = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String[] listening = expect(childOut, "LISTENING ").split(" ");
            NodeAddr peer = NodeAddr.of(NodeId.parse(listening[2]),
                    new InetSocketAddress(thereIp, Integer.parseInt(listening[1])));

            TransportConfig config = TransportConfig.of(Map.of(NettyPair.ALPN, StreamLimits.DEFAULT))
                    .withBindAddress(new InetSocketAddress(InetAddress.getByName(hereIp), 0));
            try (NettyQuicTransport node = new NettyQuicTransport(NetworkIdentity.generate())) {
                node.start(config, c -> { });
                assertTrue(node.pathMtuDiscovery());
                NettyPeerConnection c = (NettyPeerConnection) node.dial(peer, NettyPair.ALPN).get(20, TimeUnit.SECONDS);
                // Discovery runs while data flows: echo rounds until both ends have settled (bounded by the timeout).
                long ours;
                String theirs;
                int rounds = 0;
                do {
                    echoRound(c, rounds++);
                    theirs = expect(childOut, "ECHOED ");
                    ours = c.pathMtu();
                } while (ours < FITS - 100 || pmtu(theirs) < FITS - 100);
                assertTrue(ours <= FITS, "our datagrams fit the link: " + ours);
                assertTrue(pmtu(theirs) <= FITS, "the peer's datagrams fit the link: " + theirs);
                assertTrue(node.stats().sendFailures() > 0,
                        "probes larger than the link were refused by the socket, not fragmented");
                assertEquals(0, reassemblies(theirs), "no IP fragment reached the namespace: " + theirs);
            }
        } finally {
            if (child != null) {
                child.getOutputStream().close();
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            run("ip", "netns", "del", ns);
            run("ip", "link", "del", here);
        }
    }

    private static void echoRound(PeerConnection c, int round) throws Exception {
        byte[] data = new byte[ROUND_BYTES];
        new Random(round).nextBytes(data);
        PeerStream s = c.openBidirectional();
        Thread writer = new Thread(() -> {
            try (OutputStream o = s.output()) {
                o.write(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.start();
        try (InputStream back = s.input()) {
            assertArrayEquals(data, back.readAllBytes(), "round " + round + " came back intact");
        }
        writer.join();
    }

    private static String expect(BufferedReader in, String prefix) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("the child ended before printing '" + prefix + "'");
    }

    /** From "ECHOED PMTU n REASSEMBLIES m". */
    private static long pmtu(String echoed) {
        return Long.parseLong(echoed.split(" ")[2]);
    }

    private static long reassemblies(String echoed) {
        return Long.parseLong(echoed.split(" ")[4]);
    }

    private int run(String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(dir.resolve("ip.log").toFile())
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
