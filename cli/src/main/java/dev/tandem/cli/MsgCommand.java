package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.messaging.Chat;
import dev.tandem.messaging.Messaging;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tandem msg <device> <text>}: sends a chat message to a paired device. */
@Command(name = "msg", mixinStandardHelpOptions = true, description = "Send a chat message to a paired device.")
final class MsgCommand extends NodeCommand {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "Device name, id prefix or full id.")
    String device;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "The message.")
    List<String> text;

    @Override
    int run(TandemNode node, Output out) throws Exception {
        Device d = DeviceResolver.resolve(node.devices(), device);
        String message = String.join(" ", text);
        Messaging m = Messaging.of(node);
        Failures.await(m.send(d.id(), new Chat(message)), 20, TimeUnit.SECONDS, d);
        // A ping confirms delivery: the peer answers only after it has read everything sent before.
        java.time.Duration rtt = Failures.await(m.ping(d.id()), 20, TimeUnit.SECONDS, d);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("sentTo", d.id().toHex());
        f.put("name", d.displayName());
        f.put("roundTripMs", rtt.toNanos() / 1e6);
        out.result(String.format("sent to %s (round trip %.1f ms)", d.displayName(), rtt.toNanos() / 1e6), f);
        return ExitCodes.OK;
    }
}
