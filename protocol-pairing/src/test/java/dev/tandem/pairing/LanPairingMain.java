package dev.tandem.pairing;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Child-JVM program for {@link LanDiscoveryNamespaceTest}: two nodes with LAN discovery on (loopback
 * interface, inside the test's network namespace) pair by typed words only. Exit code 0 on success.
 */
public final class LanPairingMain {
    private LanPairingMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("tandem-lan");
        InMemoryNetwork net = new InMemoryNetwork();
        try (TandemNode a = TestNodes.builder(net, dir.resolve("a")).deviceInfo(TestNodes.info("alice")).build().start();
                TandemNode b = TestNodes.builder(net, dir.resolve("b")).deviceInfo(TestNodes.info("bob")).build().start()) {
            PairingSession s = Pairing.of(a).startAsInitiator();
            Device onBob = Pairing.of(b).join(s.words()).get(30, TimeUnit.SECONDS);
            Device onAlice = s.result().get(30, TimeUnit.SECONDS);
            boolean ok = onBob.id().equals(a.id()) && onAlice.id().equals(b.id())
                    && onBob.secret().equals(onAlice.secret()) && onAlice.secret().isPresent();
            System.out.println(ok ? "PAIRED-OVER-LAN" : "MISMATCH " + onBob + " " + onAlice);
            System.exit(ok ? 0 : 1);
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(2);
        }
    }
}
