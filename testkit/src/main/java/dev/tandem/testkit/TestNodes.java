package dev.tandem.testkit;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.PairSecret;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shortcuts for tests that need whole nodes. */
public final class TestNodes {
    private TestNodes() {
    }

    /** A node builder on {@code network}, bound to loopback, keeping its files in {@code dataDir}. */
    public static TandemNode.Builder builder(InMemoryNetwork network, Path dataDir) {
        NetworkIdentity id = NetworkIdentity.generate();
        return TandemNode.builder().dataDir(dataDir).identity(id).transport(network.newTransport(id))
                .bindHost("127.0.0.1");
    }

    /**
     * Makes {@code a} trust {@code b} as if they had paired (one direction only: call twice for both), with
     * the given shared secret. For tests of protocols that need paired peers but are not about pairing.
     */
    public static void trust(TandemNode a, TandemNode b, PairSecret secret) {
        a.devices().discovered(b.id(), b.addr().directAddresses());
        a.devices().beginPairing(b.id());
        a.devices().completePairing(b.id(), b.deviceInfo(), secret);
    }

    /** Makes two started nodes trust each other with a fresh random secret. */
    public static void pairDirectly(TandemNode a, TandemNode b) {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        PairSecret secret = new PairSecret(s);
        trust(a, b, secret);
        trust(b, a, secret);
    }

    /**
     * How a peer refused a connection right after authenticating it (not paired, revoked, ...). Over QUIC the
     * refusal can overtake the end of authentication, and then the dial itself fails with it: either way the close
     * the peer sent is returned.
     *
     * @throws AssertionError if the dial failed for another reason or the connection did not close in time
     */
    public static ConnectionClosedException refusal(CompletableFuture<PeerConnection> dial, long seconds)
            throws InterruptedException, TimeoutException {
        try {
            return dial.get(seconds, TimeUnit.SECONDS).closed().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConnectionClosedException c) {
                return c;
            }
            throw new AssertionError("expected a refusal, the dial failed with " + e.getCause(), e);
        }
    }

    /** Info for a test device. */
    public static DeviceInfo info(String name) {
        return new DeviceInfo(name, "test", "0");
    }
}
