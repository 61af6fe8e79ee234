package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.pairing.Pairing;
import dev.tandem.pairing.PairingException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tandem join}: pairs with the device that showed a code. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = "Pair with a device that runs `tandem pair`, using its 12 words or its tandem: link.")
final class JoinCommand extends NodeCommand {
    @Parameters(arity = "1..*", paramLabel = "WORDS|LINK", description = "The 12 words, or the tandem: link.")
    List<String> code;

    @Override
    int run(TandemNode node, Output out) throws Exception {
        Pairing pairing = Pairing.of(node);
        CompletableFuture<Device> f;
        try {
            f = code.size() == 1 && code.get(0).startsWith("tandem:") ? pairing.join(URI.create(code.get(0)))
                    : pairing.join(code.size() == 1 ? List.of(code.get(0).split("[\\s,-]+")) : code);
        } catch (IllegalArgumentException e) {
            // A typo is caught here, before any network traffic.
            throw new Failures.BadInputException(e.getMessage());
        }
        Device d;
        try {
            d = f.get();
        } catch (ExecutionException e) {
            PairingException p = PairingException.unwrap(e);
            throw new Failures.UserFacingException("pairing failed: " + p.getMessage(), p);
        }
        out.result("Paired with " + d.displayName() + " (" + d.id().toHex() + ")", PairCommand.paired(d));
        return ExitCodes.OK;
    }
}
