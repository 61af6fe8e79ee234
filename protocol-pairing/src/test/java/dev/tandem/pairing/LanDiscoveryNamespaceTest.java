package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real UDP multicast, inside a network namespace this test creates (only a loopback interface, with
 * MULTICAST switched on): two nodes pair with the words alone. Nothing can leave the namespace. Needs root
 * and iproute2; skipped otherwise. The namespace is deleted in {@code finally}.
 */
@Timeout(120)
class LanDiscoveryNamespaceTest {
    @TempDir
    Path dir;

    @Test
    void pairsByWordsOverLoopbackMulticastInANamespace() throws Exception {
        String ns = "tandem-pair-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        assumeTrue(run(List.of("ip", "netns", "add", ns)) == 0, "cannot create network namespaces (not root?)");
        try {
            assertEquals(0, run(List.of("ip", "-n", ns, "link", "set", "lo", "up")));
            assertEquals(0, run(List.of("ip", "-n", ns, "link", "set", "lo", "multicast", "on")));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, java,
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    "-cp", System.getProperty("java.class.path"), LanPairingMain.class.getName()));
            Path out = dir.resolve("child.log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean finished = p.waitFor(90, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
            }
            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertTrue(finished, "child did not finish:\n" + log);
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("PAIRED-OVER-LAN"), log);
        } finally {
            run(List.of("ip", "netns", "del", ns));
        }
    }

    private int run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("ip.log").toFile())
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
