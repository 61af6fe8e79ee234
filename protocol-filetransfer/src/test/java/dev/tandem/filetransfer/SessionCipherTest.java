package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-transfer key binds every input: roles, offer, nonces; chunk position is in the nonce and AAD. */
@Timeout(10)
class SessionCipherTest {
    @Test
    void sessionKeysDependOnEveryInput() throws Exception {
        byte[] secret = new byte[32];
        byte[] id = new byte[16];
        byte[] s = new byte[32];
        byte[] r = new byte[32];
        r[0] = 1;
        byte[] offer = {1, 2, 3};
        byte[] n1 = new byte[16];
        byte[] n2 = new byte[16];
        byte[] data = new byte[100];
        SessionCipher base = SessionCipher.derive(secret, id, s, r, offer, n1, n2);
        byte[] ct = new byte[116];
        base.seal(0, 0, 0, data, 0, 100, ct, 0);
        byte[] out = new byte[100];
        assertEquals(100, SessionCipher.derive(secret, id, s, r, offer, n1, n2).open(0, 0, 0, 100, ct, 0, 116, out, 0));
        // Swapped roles, another offer, other nonces, another file or chunk index: authentication fails.
        for (SessionCipher other : new SessionCipher[] {SessionCipher.derive(secret, id, r, s, offer, n1, n2),
                SessionCipher.derive(secret, id, s, r, new byte[] {1, 2, 4}, n1, n2),
                SessionCipher.derive(secret, id, s, r, offer, n1, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})}) {
            TransferException e = assertThrows(TransferException.class, () -> other.open(0, 0, 0, 100, ct, 0, 116, out, 0));
            assertEquals(TransferError.INTEGRITY, e.error());
        }
        SessionCipher same = SessionCipher.derive(secret, id, s, r, offer, n1, n2);
        assertThrows(TransferException.class, () -> same.open(1, 0, 0, 100, ct, 0, 116, out, 0));
        assertThrows(TransferException.class, () -> same.open(0, 1, 0, 100, ct, 0, 116, out, 0));
        assertThrows(TransferException.class, () -> same.open(0, 0, 65536, 100, ct, 0, 116, out, 0));
        assertArrayEquals(new byte[100], out);
    }
}
