package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A command that needs a running node. If {@code tandem up} is running for the same data directory, the
 * command runs inside it (through the local control channel); otherwise it starts a node for as long as
 * the command takes.
 */
abstract class NodeCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Mixin
    NodeOptions nodeOptions = new NodeOptions();

    @Option(names = "--no-daemon", description = "Run with a node of this command's own even if `tandem up` is running.")
    boolean noDaemon;

    /** Does the command's work with {@code node}. */
    abstract int run(TandemNode node, Output out) throws Exception;

    @Override
    public final Integer call() throws Exception {
        Output out = root.output();
        if (root.daemonNode != null) {
            return run(root.daemonNode, out);
        }
        if (!noDaemon) {
            Optional<Integer> forwarded = Control.forward(root.dataDir(), root.args,
                    root.spec.commandLine().getOut(), root.spec.commandLine().getErr());
            if (forwarded.isPresent()) {
                return forwarded.get();
            }
        }
        try (TandemNode node = nodeOptions.start(root.dataDir())) {
            return run(node, out);
        }
    }
}
