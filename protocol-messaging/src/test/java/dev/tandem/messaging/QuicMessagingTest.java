package dev.tandem.messaging;

import dev.tandem.core.TandemNode;
import java.nio.file.Path;

/** The messaging scenarios over the real QUIC transport on loopback UDP. */
class QuicMessagingTest extends MessagingScenarios {
    @Override
    protected TandemNode.Builder builder(Path dataDir) {
        return TandemNode.builder().dataDir(dataDir).transport("kwik").bindHost("127.0.0.1")
                .option("discovery.lan", "false");
    }
}
