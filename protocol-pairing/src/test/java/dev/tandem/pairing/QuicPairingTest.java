package dev.tandem.pairing;

import dev.tandem.core.TandemNode;
import java.nio.file.Path;

/** The pairing scenarios over the real QUIC transport on loopback UDP. */
class QuicPairingTest extends PairingScenarios {
    @Override
    protected TandemNode.Builder nodeBuilder(Path dataDir) {
        return TandemNode.builder().dataDir(dataDir).transport("kwik").bindHost("127.0.0.1");
    }
}
