package dev.tandem.pairing;

import dev.tandem.core.crypto.Hkdf;

import dev.tandem.core.discovery.RendezvousId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * A pairing code: 128 bits of fresh entropy, shown as 12 BIP39 words. From it, HKDF-SHA256 with distinct
 * labels derives a public {@link #rendezvousId() rendezvous id} (safe to broadcast: it is one-way) and the
 * secret pairing key, which never goes on the wire. {@link #toString()} is redacted.
 */
public final class PairingCode {
    private static final byte[] SALT = "tandem/pairing/1 code".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RENDEZVOUS_LABEL = "tandem/pairing/1 rendezvous id".getBytes(StandardCharsets.UTF_8);
    private static final byte[] KEY_LABEL = "tandem/pairing/1 pairing key".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] entropy;
    private final RendezvousId rendezvousId;
    private final byte[] key;

    private PairingCode(byte[] entropy) {
        this.entropy = entropy.clone();
        byte[] prk = Hkdf.extract(SALT, entropy);
        this.rendezvousId = RendezvousId.of(Hkdf.expand(prk, RENDEZVOUS_LABEL, RendezvousId.LENGTH));
        this.key = Hkdf.expand(prk, KEY_LABEL, 32);
        Arrays.fill(prk, (byte) 0);
    }

    /** A new code from 128 bits of {@link SecureRandom} entropy. */
    public static PairingCode generate() {
        byte[] e = new byte[16];
        RANDOM.nextBytes(e);
        PairingCode c = new PairingCode(e);
        Arrays.fill(e, (byte) 0);
        return c;
    }

    /**
     * The code the user typed.
     *
     * @throws WordCodeException if a word is unknown, the count is wrong or the checksum does not match
     */
    public static PairingCode fromWords(List<String> words) {
        if (words.size() != WordCode.PAIRING_WORDS) {
            throw new WordCodeException(WordCodeException.Kind.WRONG_COUNT, 0, null,
                    "a pairing code has " + WordCode.PAIRING_WORDS + " words, got " + words.size());
        }
        byte[] e = WordCode.decode(words);
        PairingCode c = new PairingCode(e);
        Arrays.fill(e, (byte) 0);
        return c;
    }

    public List<String> words() {
        return WordCode.encode(entropy);
    }

    /** Public: announced on the LAN and sent in the first message so the initiator finds its session. */
    public RendezvousId rendezvousId() {
        return rendezvousId;
    }

    /** Secret: the MAC key of the proofs. */
    byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "PairingCode[redacted, rendezvous " + rendezvousId + "]";
    }
}
