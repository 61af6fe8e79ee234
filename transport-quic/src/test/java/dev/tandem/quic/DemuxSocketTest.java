package dev.tandem.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared-socket layer, driven with plain UDP sockets and hand-made QUIC headers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DemuxSocketTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private DemuxSocket demux;
    private DatagramSocket peer;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "demux-test");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void setUp() throws Exception {
        demux = new DemuxSocket(new InetSocketAddress(LOOPBACK, 0), 1 << 20);
        peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        peer.setSoTimeout(5000);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        peer.close();
        demux.close();
    }

    /** A long-header packet: first byte, version, DCID, SCID, payload. */
    static byte[] longHeader(byte[] dcid, byte[] scid, int payload) {
        ByteBuffer b = ByteBuffer.allocate(7 + dcid.length + scid.length + payload);
        b.put((byte) 0xc0).putInt(1).put((byte) dcid.length).put(dcid).put((byte) scid.length).put(scid);
        return b.array();
    }

    static byte[] shortHeader(byte[] dcid, int payload) {
        ByteBuffer b = ByteBuffer.allocate(1 + dcid.length + payload);
        b.put((byte) 0x40).put(dcid);
        return b.array();
    }

    static byte[] cid(int seed) {
        byte[] c = new byte[DemuxSocket.CLIENT_CID_LENGTH];
        Arrays.fill(c, (byte) seed);
        return c;
    }

    private void sendFromPeer(byte[] data) throws IOException {
        peer.send(new DatagramPacket(data, data.length, demux.localAddress()));
    }

    private static byte[] receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private Future<byte[]> receiveAsync(DatagramSocket s) {
        return pool.submit(() -> receive(s));
    }

    @Test
    void parsesConnectionIds() {
        byte[] lh = longHeader(cid(1), cid(2), 10);
        assertEquals(ByteBuffer.wrap(cid(1)), DemuxSocket.destinationConnectionId(lh, 8));
        assertEquals(ByteBuffer.wrap(cid(2)), DemuxSocket.longHeaderSourceConnectionId(lh, 0, lh.length));
        byte[] sh = shortHeader(cid(3), 10);
        assertEquals(ByteBuffer.wrap(cid(3)), DemuxSocket.destinationConnectionId(sh, 8));
        assertNull(DemuxSocket.longHeaderSourceConnectionId(sh, 0, sh.length));
        assertNull(DemuxSocket.destinationConnectionId(new byte[3], 8));
        assertNull(DemuxSocket.destinationConnectionId(new byte[] {(byte) 0xc0, 0, 0, 0, 1, 30}, 8));
    }

    @Test
    void unknownTrafficGoesToTheServerView() throws Exception {
        Future<byte[]> got = receiveAsync(demux.serverView());
        byte[] d = shortHeader(cid(9), 20);
        sendFromPeer(d);
        assertArrayEquals(d, got.get(5, TimeUnit.SECONDS));
    }

    @Test
    void clientViewGetsPacketsAddressedToTheIdsItSent() throws Exception {
        InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
        DatagramSocket client = demux.newClientView(peerAddr);
        DatagramSocket other = demux.newClientView(peerAddr); // a second connection to the same peer
        byte[] hello1 = longHeader(cid(7), cid(1), 5);
        byte[] hello2 = longHeader(cid(7), cid(2), 5);
        client.send(new DatagramPacket(hello1, hello1.length, peerAddr));
        other.send(new DatagramPacket(hello2, hello2.length, peerAddr));
        assertEquals(hello1.length, receive(peer).length);
        assertEquals(hello2.length, receive(peer).length);

        Future<byte[]> toClient = receiveAsync(client);
        Future<byte[]> toOther = receiveAsync(other);
        Future<byte[]> toServer = receiveAsync(demux.serverView());
        byte[] forOther = shortHeader(cid(2), 30);
        byte[] forClient = longHeader(cid(1), cid(7), 30);
        byte[] forServer = shortHeader(cid(5), 30);
        sendFromPeer(forOther);
        sendFromPeer(forClient);
        sendFromPeer(forServer);
        assertArrayEquals(forClient, toClient.get(5, TimeUnit.SECONDS));
        assertArrayEquals(forOther, toOther.get(5, TimeUnit.SECONDS));
        assertArrayEquals(forServer, toServer.get(5, TimeUnit.SECONDS));
        assertEquals(2, demux.datagramsToClients());
    }

    @Test
    void viewReportsTheSenderAndTheSharedLocalAddress() throws Exception {
        DatagramSocket server = demux.serverView();
        assertEquals(demux.localAddress(), server.getLocalSocketAddress());
        assertEquals(demux.localAddress().getPort(), server.getLocalPort());
        Future<DatagramPacket> got = pool.submit(() -> {
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            server.receive(p);
            return p;
        });
        sendFromPeer(shortHeader(cid(4), 1));
        assertEquals(peer.getLocalSocketAddress(), got.get(5, TimeUnit.SECONDS).getSocketAddress());
    }

    @Test
    void closingAClientViewWakesItsReaderAndDetachesOnlyIt() throws Exception {
        InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
        DatagramSocket client = demux.newClientView(peerAddr);
        byte[] hello = longHeader(cid(7), cid(1), 5);
        client.send(new DatagramPacket(hello, hello.length, peerAddr));
        receive(peer);
        Future<byte[]> blocked = receiveAsync(client);
        client.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SocketException.class, e.getCause());
        assertTrue(client.isClosed());
        assertThrows(SocketException.class, () -> client.receive(new DatagramPacket(new byte[10], 10)));
        assertTrue(demux.awaitNoClientViews(Duration.ofSeconds(1)));

        // traffic for the closed connection's id now falls through to the server view; the socket lives on
        Future<byte[]> toServer = receiveAsync(demux.serverView());
        byte[] late = shortHeader(cid(1), 3);
        sendFromPeer(late);
        assertArrayEquals(late, toServer.get(5, TimeUnit.SECONDS));
        assertFalse(demux.serverView().isClosed());
    }

    @Test
    void serverViewNeverThrowsBeforeCloseEvenAfterTheSocketDies() throws Exception {
        Future<byte[]> blocked = receiveAsync(demux.serverView());
        demux.kill(); // the real socket is gone, the node "crashed"
        // the reader stays blocked rather than failing (kwik 0.10.8 would System.exit)
        assertThrows(TimeoutException.class, () -> blocked.get(300, TimeUnit.MILLISECONDS));
        // sends are dropped silently
        demux.serverView().send(new DatagramPacket(new byte[5], 5, peer.getLocalSocketAddress()));
        demux.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SocketException.class, e.getCause());
    }

    @Test
    void clientViewsOutliveTheSocketQuietlyUntilKwikClosesThem() throws Exception {
        InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
        DatagramSocket client = demux.newClientView(peerAddr);
        Future<byte[]> blocked = receiveAsync(client);
        demux.close();
        assertThrows(TimeoutException.class, () -> blocked.get(200, TimeUnit.MILLISECONDS));
        byte[] d = longHeader(cid(7), cid(1), 5);
        client.send(new DatagramPacket(d, d.length, peerAddr)); // dropped, not thrown
        assertThrows(SocketException.class, () -> demux.newClientView(peerAddr));
        client.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SocketException.class, e.getCause());
    }

    @Test
    void sendFailureIsDroppedNotThrown() throws Exception {
        // port 0 is not a valid destination: the OS refuses, the view must not throw
        demux.serverView().send(new DatagramPacket(new byte[5], 5, new InetSocketAddress(LOOPBACK, 0)));
        assertEquals(1, demux.sendFailures());
    }

    @Test
    void manyDatagramsArriveInOrderPerView() throws Exception {
        int n = 500;
        Future<Integer> counted = pool.submit(() -> {
            int expected = 0;
            while (expected < n) {
                byte[] d = receive(demux.serverView());
                assertEquals(expected, ByteBuffer.wrap(d, 9, 4).getInt());
                expected++;
            }
            return expected;
        });
        for (int i = 0; i < n; i++) {
            byte[] d = shortHeader(cid(6), 4);
            ByteBuffer.wrap(d, 9, 4).putInt(i);
            sendFromPeer(d);
        }
        assertEquals(n, counted.get(20, TimeUnit.SECONDS));
        assertEquals(0, demux.droppedDatagrams());
    }
}
