package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.pairing.Pairing;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tandem revoke <device>}: unpairs a device, telling it when it is reachable. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Unpair a device: it can no longer connect, and it is told so if it is reachable now.")
final class RevokeCommand extends NodeCommand {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "Device name, id prefix or full id.")
    String device;

    @Override
    int run(TandemNode node, Output out) throws Exception {
        Device d = DeviceResolver.resolve(node.devices(), device);
        boolean told = Pairing.of(node).revoke(d.id()).get(30, TimeUnit.SECONDS);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("revoked", d.id().toHex());
        f.put("name", d.displayName());
        f.put("peerNotified", told);
        out.result("Revoked " + d.displayName() + (told ? "; it was told and dropped the pairing too."
                : "; it was not reachable and will be refused from now on."), f);
        return ExitCodes.OK;
    }
}
