package dev.tandem.pairing;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;

/** The pairing scenarios over testkit's in-memory transport. */
class InMemoryPairingTest extends PairingScenarios {
    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected TandemNode.Builder nodeBuilder(Path dataDir) {
        return TestNodes.builder(network, dataDir);
    }
}
