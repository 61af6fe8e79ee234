package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import java.util.Map;

/** {@code tandem down}: stops the {@code tandem up} running for this data directory. */
@picocli.CommandLine.Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop the `tandem up` running for this data directory.")
final class DownCommand extends NodeCommand {
    @Override
    int run(TandemNode node, Output out) {
        if (root.daemonStop == null) {
            throw new IllegalStateException("tandem up is not running for " + root.dataDir());
        }
        root.daemonStop.run();
        out.result("stopping tandem up (node " + node.id().shortForm() + ")", Map.of("stopping", node.id().toHex()));
        return ExitCodes.OK;
    }
}
