package dev.tandem.filetransfer;

import dev.tandem.core.crypto.Hkdf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The end-to-end chunk cipher of one transfer attempt: AES-256-GCM under a key derived with HKDF-SHA256.
 *
 * <pre>
 * salt = "tandem-ft-v1" || senderNonce(16) || receiverNonce(16)      fresh per attempt, both sides add randomness
 * ikm  = per-pair secret (PairSecret bytes from the device registry)
 * info = "tandem/filetransfer/1 chunk key" || transferId(16) || senderId(32) || receiverId(32) || SHA-256(offer)
 * key  = HKDF-SHA256(salt, ikm, info, 32)
 * nonce(12) = fileIndex(4, BE) || chunkIndex(8, BE)                 chunkIndex 2^64-1 is the file-end record
 * AAD(40)   = transferId(16) || fileIndex(4) || chunkIndex(8) || offset(8) || plaintextLength(4)
 * </pre>
 *
 * Data flows one way under a key, and every (file, chunk) pair is sealed at most once per attempt; a resumed
 * attempt uses new nonces in the salt, hence a new key, so a nonce is never reused even if the source file
 * changed between attempts. Binding the offer's hash into the key authenticates the offer after the fact.
 */
final class SessionCipher {
    static final int TAG_BYTES = 16;
    static final int NONCE_BYTES = 16;
    static final long END_RECORD = -1L; // chunk index 2^64-1 (unsigned): the sealed file hash
    private static final byte[] SALT_LABEL = "tandem-ft-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_LABEL = "tandem/filetransfer/1 chunk key".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final byte[] transferId;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private final byte[] aad = new byte[40];

    private SessionCipher(byte[] keyBytes, byte[] transferId) {
        this.key = new SecretKeySpec(keyBytes, "AES");
        Arrays.fill(keyBytes, (byte) 0);
        this.transferId = transferId.clone();
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    static SessionCipher derive(byte[] pairSecret, byte[] transferId, byte[] senderId, byte[] receiverId,
            byte[] offerBytes, byte[] senderNonce, byte[] receiverNonce) {
        byte[] salt = ByteBuffer.allocate(SALT_LABEL.length + 2 * NONCE_BYTES).put(SALT_LABEL).put(senderNonce)
                .put(receiverNonce).array();
        byte[] info = ByteBuffer.allocate(INFO_LABEL.length + transferId.length + senderId.length + receiverId.length + 32)
                .put(INFO_LABEL).put(transferId).put(senderId).put(receiverId).put(sha256(offerBytes)).array();
        return new SessionCipher(Hkdf.derive(salt, pairSecret, info, 32), transferId);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void layout(int fileIndex, long chunkIndex, long offset, int length) {
        ByteBuffer.wrap(nonce).putInt(fileIndex).putLong(chunkIndex);
        ByteBuffer.wrap(aad).put(transferId).putInt(fileIndex).putLong(chunkIndex).putLong(offset).putInt(length);
    }

    /** Encrypts {@code len} bytes of {@code in} into {@code out} at {@code outOff}; returns bytes written (len + 16). */
    int seal(int fileIndex, long chunkIndex, long offset, byte[] in, int inOff, int len, byte[] out, int outOff) {
        layout(fileIndex, chunkIndex, offset, len);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(in, inOff, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts and authenticates; returns the plaintext length.
     *
     * @throws TransferException with {@link TransferError#INTEGRITY} if the chunk was altered
     */
    int open(int fileIndex, long chunkIndex, long offset, int plainLen, byte[] in, int inOff, int inLen, byte[] out,
            int outOff) throws TransferException {
        if (inLen != plainLen + TAG_BYTES) {
            throw new TransferException(TransferError.PROTOCOL, "chunk of file " + fileIndex + " at " + offset
                    + " has " + inLen + " bytes of ciphertext for " + plainLen + " bytes of data");
        }
        layout(fileIndex, chunkIndex, offset, plainLen);
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(in, inOff, inLen, out, outOff);
        } catch (AEADBadTagException e) {
            throw new TransferException(TransferError.INTEGRITY, "chunk " + Long.toUnsignedString(chunkIndex)
                    + " of file " + fileIndex + " failed authentication: altered in transit or wrong key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }
}
