package dev.tandem.quic.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class NodeCertificatesTest {
    private final NetworkIdentity node = NetworkIdentity.generate();

    @Test
    void dnsNameFitsDnsLimitsAndIsUniquePerNode() {
        String name = NodeCertificates.dnsName(node.nodeId());
        for (String label : name.split("\\.")) {
            assertTrue(label.length() <= 63, label);
        }
        assertTrue(name.length() <= 253);
        assertEquals(node.nodeId().toHex(), name.replace(".tandem", "").replace(".", ""));
    }

    @Test
    void certificateIsSignedByTheNodeKeyAndCertifiesAP256Key() throws Exception {
        NodeCertificates.NodeTlsCredentials c = NodeCertificates.create(node);
        X509Certificate cert = c.certificate();
        cert.verify(node.publicKey());
        assertEquals("EC", cert.getPublicKey().getAlgorithm());
        assertEquals("Ed25519", cert.getSigAlgName());
        NodeTrustManager.verifyLeaf(cert, node.nodeId());
        new NodeTrustManager(node.nodeId()).checkServerTrusted(new X509Certificate[] {cert}, "RSA");
        assertNotNull(c.keyStore("x".toCharArray()).getKey(NodeCertificates.ALIAS, "x".toCharArray()));
    }

    @Test
    void aLongRunningNodeStillPresentsAValidCertificateAYearOn() throws Exception {
        X509Certificate cert = NodeCertificates.create(node).certificate();
        java.util.Date yearOn = new java.util.Date(System.currentTimeMillis() + Duration.ofDays(366).toMillis());
        cert.checkValidity(yearOn); // throws if a daemon started now would present an expired certificate then
        assertTrue(cert.getNotBefore().before(new java.util.Date()), "backdated for peers whose clock is behind");
    }

    @Test
    void trustManagerRejectsOtherNodes() throws Exception {
        NodeTrustManager tm = new NodeTrustManager(NetworkIdentity.generate().nodeId());
        X509Certificate cert = NodeCertificates.create(node).certificate();
        assertThrows(CertificateException.class, () -> tm.checkServerTrusted(new X509Certificate[] {cert}, "RSA"));
        assertNotNull(tm.failure());
    }

    @Test
    void certificateNamingTheNodeButSignedByAnotherKeyIsRejected() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        NetworkIdentity impostor = NetworkIdentity.generate();
        X509Certificate forged = NodeCertificates.issue(impostor.privateKey(), node.nodeId(), g.generateKeyPair(),
                Duration.ofHours(1));
        assertThrows(CertificateException.class, () -> NodeTrustManager.verifyLeaf(forged, node.nodeId()));
    }

    @Test
    void expiredCertificateIsRejected() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        // valid from now-1h to now-30min
        X509Certificate old = NodeCertificates.issue(node.privateKey(), node.nodeId(), g.generateKeyPair(),
                Duration.ofMinutes(-30));
        assertThrows(CertificateException.class, () -> NodeTrustManager.verifyLeaf(old, node.nodeId()));
    }

    @Test
    void clientProofBindsEveryTranscriptField() {
        byte[] nonce = ClientProof.newNonce();
        byte[] hash = new byte[32];
        hash[0] = 7;
        byte[] proof = ClientProof.create(node, nonce, hash, "a/1");
        NodeId ok = ClientProof.verify(proof, nonce, hash, "a/1");
        assertEquals(node.nodeId(), ok);
        assertNull(ClientProof.verify(proof, ClientProof.newNonce(), hash, "a/1"));
        assertNull(ClientProof.verify(proof, nonce, new byte[32], "a/1"));
        assertNull(ClientProof.verify(proof, nonce, hash, "a/2"));
        assertNull(ClientProof.verify(new byte[10], nonce, hash, "a/1"));
        byte[] t = ClientProof.transcript(nonce, hash, "a/1", node.nodeId());
        assertTrue(new String(t, 0, ClientProof.LABEL.length(), java.nio.charset.StandardCharsets.US_ASCII)
                .equals(ClientProof.LABEL));
    }
}
