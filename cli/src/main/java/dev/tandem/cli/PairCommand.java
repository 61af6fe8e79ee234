package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.pairing.Pairing;
import dev.tandem.pairing.PairingException;
import dev.tandem.pairing.PairingOptions;
import dev.tandem.pairing.PairingSession;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem pair}: shows a code for another device to join, and waits for it. */
@Command(name = "pair", mixinStandardHelpOptions = true,
        description = {"Show a pairing code (12 words and a link) and wait for another device to join with it.",
            "On the other device run: tandem join <the words>   or   tandem join <the link>"})
final class PairCommand extends NodeCommand {
    @Option(names = "--expiry", paramLabel = "MINUTES", description = "Minutes the code stays valid (default ${DEFAULT-VALUE}).")
    int expiryMinutes = 5;

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
        Device d;
        try {
            d = s.await();
        } catch (PairingException e) {
            throw new Failures.UserFacingException("pairing failed: " + e.getMessage(), e);
        }
        out.result("Paired with " + d.displayName() + " (" + d.id().toHex() + ")", paired(d));
        return ExitCodes.OK;
    }

    static Map<String, Object> paired(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "paired");
        m.putAll(DevicesCommand.describe(d));
        return m;
    }
}
