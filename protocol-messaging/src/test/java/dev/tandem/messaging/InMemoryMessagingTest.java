package dev.tandem.messaging;

import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.TestNodes;
import java.nio.file.Path;

class InMemoryMessagingTest extends MessagingScenarios {
    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected TandemNode.Builder builder(Path dataDir) {
        return TestNodes.builder(network, dataDir);
    }
}
