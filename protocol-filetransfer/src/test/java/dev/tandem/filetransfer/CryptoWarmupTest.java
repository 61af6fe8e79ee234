package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CryptoWarmupTest {
    @Test
    void everyWarmUpChunkSealsAndOpensIntact() {
        assertEquals(500, CryptoWarmup.run(500));
    }
}
