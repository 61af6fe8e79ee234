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
        CountDownLatch stopped = new CountDownLatch(1);
        try (TandemNode n = node.start(root.dataDir())) {
            Thread hook = new Thread(() -> {
                n.close();
                stopped.countDown();
            }, "tandem-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            n.events().subscribe(e -> out.result(describe(e), fields(e)));
            Map<String, Object> up = new LinkedHashMap<>();
            up.put("event", "up");
            up.put("nodeId", n.id().toHex());
            up.put("addresses", n.addr().directAddresses().stream().map(Object::toString).toList());
            up.put("transport", n.transportName());
            up.put("protocols", n.protocols().alpns());
            out.result("tandem up: node " + n.id().toHex() + "\n  listening on " + n.addr().directAddresses()
                    + " via " + n.transportName() + "\n  serving " + n.protocols().alpns()
                    + "\n  Ctrl-C to stop", up);
            stopped.await();
        }
        return ExitCodes.OK;
    }

    static String describe(NetworkEvent e) {
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
