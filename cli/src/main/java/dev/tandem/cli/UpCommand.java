package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.event.ConnectionEstablished;
import dev.tandem.core.event.ConnectionLost;
import dev.tandem.core.event.ConnectionRefused;
import dev.tandem.core.event.DeviceStateChanged;
import dev.tandem.core.event.NetworkEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code tandem up}: runs this node in the foreground until interrupted, showing what happens. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run this node in the foreground: accept connections, messages and files until Ctrl-C.")
final class UpCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Mixin
    NodeOptions node;

    @Override
    public Integer call() throws Exception {
        Output out = root.output();
        if (root.daemonNode != null) {
            throw new picocli.CommandLine.ParameterException(root.spec.commandLine(),
                    "tandem up is already running for " + root.dataDir());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (TandemNode n = node.start(root.dataDir());
             ControlServer control = new ControlServer(n, root.dataDir(), stopped::countDown)) {
            Thread hook = new Thread(stopped::countDown, "tandem-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            java.util.Map<String, Long> lastProgress = new java.util.concurrent.ConcurrentHashMap<>();
            n.events().subscribe(e -> {
                if (e instanceof dev.tandem.filetransfer.TransferProgress p) {
                    // Once a second per transfer is enough in a log.
                    long now = System.nanoTime();
                    Long last = lastProgress.get(p.transferId());
                    if (last != null && now - last < 1_000_000_000L) {
                        return;
                    }
                    lastProgress.put(p.transferId(), now);
                    out.result((p.direction() == dev.tandem.filetransfer.Direction.RECEIVE ? "receiving from "
                            : "sending to ") + p.peer().shortForm() + " " + ProgressLine.render(p, 20),
                            ProgressLine.fields(p));
                    return;
                }
                if (e instanceof dev.tandem.filetransfer.TransferFinished f) {
                    lastProgress.remove(f.transferId());
                }
                Map<String, Object> ef = fields(e);
                ef.put("transport", n.transportName());
                out.result(describe(e), ef);
            });
            n.protocol(dev.tandem.messaging.Messaging.class)
                    .ifPresent(m -> m.keepConnected(java.time.Duration.ofSeconds(15), java.time.Duration.ofSeconds(60)));
            Map<String, Object> up = new LinkedHashMap<>();
            up.put("event", "up");
            up.put("nodeId", n.id().toHex());
            up.put("addresses", n.addr().directAddresses().stream().map(Object::toString).toList());
            up.put("transport", n.transportName());
            up.put("protocols", n.protocols().alpns());
            out.result("tandem up: node " + n.id().toHex() + "\n  listening on " + n.addr().directAddresses()
                    + " via " + n.transportName() + "\n  serving " + n.protocols().alpns()
                    + "\n  Ctrl-C or `tandem down` to stop", up);
            stopped.await();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting because of Ctrl-C: the hook has run
                log.debug("stopping on a signal");
            }
            out.result("tandem up: stopping", Map.of("event", "down"));
        }
        return ExitCodes.OK;
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UpCommand.class);

    static String describe(NetworkEvent e) {
        if (e instanceof dev.tandem.filetransfer.TransferFinished f) {
            return "transfer " + f.transferId() + (f.direction() == dev.tandem.filetransfer.Direction.RECEIVE
                    ? " from " : " to ") + f.peer().shortForm() + (f.succeeded() ? " complete: " : " failed: ")
                    + f.message();
        }
        if (e instanceof dev.tandem.messaging.MessageReceived m && m.message() instanceof dev.tandem.messaging.Chat c) {
            return "message from " + m.from().shortForm() + ": " + c.text();
        }
        if (e instanceof ConnectionEstablished c) {
            return "connected: " + c.peer().shortForm() + " " + c.alpn() + " (" + c.path().name().toLowerCase() + ")";
        }
        if (e instanceof ConnectionLost c) {
            return "disconnected: " + c.peer().shortForm() + " " + c.alpn() + " (" + c.reason() + ")";
        }
        if (e instanceof ConnectionRefused c) {
            return "refused: " + c.peer().shortForm() + " " + c.alpn() + " (" + c.reason() + ")";
        }
        if (e instanceof DeviceStateChanged d) {
            return "device " + d.device().shortForm() + ": " + d.from().map(Enum::name).orElse("new") + " -> "
                    + d.to().map(Enum::name).orElse("revoked");
        }
        return e.toString();
    }

    static Map<String, Object> fields(NetworkEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", e.getClass().getSimpleName());
        m.put("text", describe(e));
        return m;
    }
}
