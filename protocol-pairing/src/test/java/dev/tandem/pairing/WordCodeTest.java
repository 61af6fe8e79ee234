package dev.tandem.pairing;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class WordCodeTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void wordListIsTheOfficialOne() throws Exception {
        try (InputStream in = WordCode.class.getResourceAsStream("bip39-english.txt")) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
            assertEquals("2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda", HEX.formatHex(digest));
        }
        assertEquals(2048, WordCode.wordList().size());
        assertEquals("abandon", WordCode.wordList().get(0));
        assertEquals("zoo", WordCode.wordList().get(2047));
    }

    /** Official BIP39 vectors (English, entropy to mnemonic). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "00000000000000000000000000000000|abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f|legal winner thank year wave sausage worth useful legal winner thank yellow",
        "80808080808080808080808080808080|letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
        "ffffffffffffffffffffffffffffffff|zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "9e885d952ad362caeb4efe34a8e91bd2|ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
        "c0ba5a8e914111210f2bd131f3d5e08d|scheme spot photo card baby mountain device kick cradle pact join borrow",
        "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b|gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
        "0000000000000000000000000000000000000000000000000000000000000000|abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f|legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
        "8080808080808080808080808080808080808080808080808080808080808080|letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff|zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c|hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
    })
    void officialVectors(String entropyHex, String mnemonic) {
        byte[] entropy = HEX.parseHex(entropyHex);
        List<String> words = List.of(mnemonic.split(" "));
        assertEquals(words, WordCode.encode(entropy));
        assertArrayEquals(entropy, WordCode.decode(words));
    }

    @Test
    void roundTripsRandomEntropyOfEverySize() {
        SecureRandom r = new SecureRandom();
        for (int bytes = 16; bytes <= 32; bytes += 4) {
            for (int i = 0; i < 50; i++) {
                byte[] e = new byte[bytes];
                r.nextBytes(e);
                List<String> w = WordCode.encode(e);
                assertEquals(bytes * 8 * 33 / 32 / 11, w.size());
                assertArrayEquals(e, WordCode.decode(w));
            }
        }
    }

    @Test
    void refusesEntropyOfOtherSizes() {
        for (int n : new int[] {0, 15, 17, 33, 64}) {
            assertThrows(IllegalArgumentException.class, () -> WordCode.encode(new byte[n]));
        }
    }

    @Test
    void unknownWordIsNamedWithItsPositionAndASuggestion() {
        List<String> w = new ArrayList<>(WordCode.encode(new byte[16]));
        w.set(4, "abandun");
        WordCodeException e = assertThrows(WordCodeException.class, () -> WordCode.decode(w));
        assertEquals(WordCodeException.Kind.UNKNOWN_WORD, e.kind());
        assertEquals(5, e.position());
        assertEquals("abandon", e.suggestion().orElseThrow());
        assertEquals("word 5 'abandun' is not in the list; did you mean 'abandon'?", e.getMessage());
    }

    @Test
    void suggestionByEditDistanceForShortTypos() {
        assertEquals("zoo", WordCode.suggest("zo"));
        assertEquals("cat", WordCode.suggest("cqt"));
        assertEquals(null, WordCode.suggest("qqqqqqqqqqqqq"));
        List<String> w = new ArrayList<>(WordCode.encode(new byte[16]));
        w.set(11, "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq");
        WordCodeException e = assertThrows(WordCodeException.class, () -> WordCode.decode(w));
        assertEquals(12, e.position());
        assertTrue(e.suggestion().isEmpty());
        assertTrue(e.getMessage().length() < 80, "a hostile word is cut in the message");
    }

    @Test
    void wrongCountIsTyped() {
        for (int n : new int[] {0, 1, 11, 13, 14, 25, 27}) {
            List<String> w = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                w.add("abandon");
            }
            WordCodeException e = assertThrows(WordCodeException.class, () -> WordCode.decode(w));
            assertEquals(WordCodeException.Kind.WRONG_COUNT, e.kind());
            assertTrue(e.getMessage().contains("got " + n), e.getMessage());
        }
        assertEquals(WordCodeException.Kind.WRONG_COUNT, assertThrows(WordCodeException.class,
                () -> PairingCode.fromWords(WordCode.encode(new byte[32]))).kind());
    }

    @Test
    void swappedWordsFailTheChecksum() {
        List<String> w = new ArrayList<>(WordCode.encode(HEX.parseHex("9e885d952ad362caeb4efe34a8e91bd2")));
        String t = w.get(0);
        w.set(0, w.get(1));
        w.set(1, t);
        WordCodeException e = assertThrows(WordCodeException.class, () -> WordCode.decode(w));
        assertEquals(WordCodeException.Kind.BAD_CHECKSUM, e.kind());
        assertTrue(e.getMessage().startsWith("checksum does not match: check the order of the words"));
    }

    @Test
    void caseAndBlanksAreForgivenAndTextSplits() {
        List<String> w = WordCode.split("  Legal-winner thank,year wave sausage worth useful legal winner thank YELLOW ");
        assertEquals(12, w.size());
        assertArrayEquals(HEX.parseHex("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"), WordCode.decode(w));
        assertEquals(List.of(), WordCode.split("   "));
    }

    @Test
    void pairingCodeDerivesDistinctPublicAndSecretValues() {
        PairingCode a = PairingCode.generate();
        PairingCode b = PairingCode.fromWords(a.words());
        assertEquals(12, a.words().size());
        assertEquals(a.rendezvousId(), b.rendezvousId());
        assertArrayEquals(a.key(), b.key());
        assertNotEquals(HEX.formatHex(a.key()).substring(0, 32), HEX.formatHex(a.rendezvousId().bytes()));
        assertNotEquals(a.rendezvousId(), PairingCode.generate().rendezvousId());
        assertTrue(a.toString().contains("redacted"));
        for (String word : a.words()) {
            assertTrue(!a.toString().contains(word) || a.toString().contains("rendezvous"), "words never in toString");
        }
    }
}
