package dev.tandem.cli;

import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.core.event.ConnectionLost;
import dev.tandem.pairing.Pairing;
import dev.tandem.pairing.PairingException;
import dev.tandem.pairing.PairingOptions;
import dev.tandem.pairing.PairingSession;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem pair}: shows a code for another device to join, and waits for it. */
@Command(name = "pair", mixinStandardHelpOptions = true,
        description = {"Show a pairing code (12 words and a link) and wait for another device to join with it.",
            "On the other device run: tandem join <the words>   or   tandem join <the link>"})
final class PairCommand extends NodeCommand {
    @Option(names = "--expiry", paramLabel = "MINUTES", description = "Minutes the code stays valid (default ${DEFAULT-VALUE}).")
    int expiryMinutes = 5;

    private static final Duration JOINER_CLOSE = Duration.ofSeconds(10);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PairCommand.class);

    @Override
    int run(TandemNode node, Output out) throws Exception {
        Pairing pairing = Pairing.of(node);
        PairingSession s = pairing.startAsInitiator(PairingOptions.defaults().withExpiry(Duration.ofMinutes(expiryMinutes)));
        Map<String, Object> code = new LinkedHashMap<>();
        code.put("event", "code");
        code.put("words", s.words());
        code.put("uri", s.uri().toString());
        code.put("expiresAt", s.expiresAt().toString());
        out.result("Pairing code (valid " + expiryMinutes + " min):\n\n    " + String.join(" ", s.words())
                + "\n\nOn the other device run:\n    tandem join " + String.join(" ", s.words())
                + "\nor, to skip the search on the local network:\n    tandem join '" + s.uri() + "'\n\nWaiting...", code);
        // The joiner learns that pairing completed from a last message and then closes the connection; if this
        // command closed its node first, QUIC could drop that message and leave the joiner unpaired.
        BlockingQueue<NodeId> closedBy = new LinkedBlockingQueue<>();
        Device d;
        try (AutoCloseable sub = node.events().subscribe(ConnectionLost.class, e -> {
            if (e.alpn().equals(Pairing.ALPN)) {
                closedBy.add(e.peer());
            }
        })) {
            try {
                d = s.await();
            } catch (PairingException e) {
                throw new Failures.UserFacingException("pairing failed: " + e.getMessage(), e);
            }
            if (root.daemonNode == null) {
                awaitClose(closedBy, d.id());
            }
        }
        out.result("Paired with " + d.displayName() + " (" + d.id().toHex() + ")", paired(d));
        return ExitCodes.OK;
    }

    private static void awaitClose(BlockingQueue<NodeId> closedBy, NodeId joiner) throws InterruptedException {
        long deadline = System.nanoTime() + JOINER_CLOSE.toNanos();
        for (NodeId id; (id = closedBy.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null;) {
            if (id.equals(joiner)) {
                return;
            }
        }
        log.debug("{} kept the pairing connection open; closing anyway", joiner.shortForm());
    }

    static Map<String, Object> paired(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "paired");
        m.putAll(DevicesCommand.describe(d));
        return m;
    }
}
