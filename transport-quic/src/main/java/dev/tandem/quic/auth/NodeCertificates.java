package dev.tandem.quic.auth;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS certificates that bind a short-lived ECDSA P-256 TLS key to a node's Ed25519 identity.
 *
 * <p>TLS stacks that cannot use Ed25519 keys in the handshake (kwik/agent15 signs only with ECDSA and
 * RSA-PSS) still carry the node identity: the certificate for the ephemeral P-256 key is <em>issued and
 * signed by the node's Ed25519 key</em>. A dialler that knows the node id it wants checks that the leaf
 * certificate verifies under that key ({@link NodeTrustManager}); TLS itself proves the server holds the
 * P-256 key (CertificateVerify). Bouncy Castle builds the certificate; it is not registered as a JCA
 * provider (signing runs on the JDK's Ed25519).
 */
public final class NodeCertificates {
    /** Key store alias of the TLS key made by {@link #create}. */
    public static final String ALIAS = "tandem-node";
    /**
     * Default validity of a TLS certificate: ten years, so a node that runs for months keeps accepting dials (with the
     * seven days used before, a daemon stopped being reachable after a week). A short validity would buy nothing
     * here: the P-256 key lives only in this process's memory, and whoever can read that memory can read the node's
     * Ed25519 key too; peers trust the certificate because that key signed it. Ten years keeps the dates in UTCTime
     * (before 2050), which every TLS stack parses.
     */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);
    /** Domain suffix of node names. */
    public static final String DOMAIN = "tandem";
    private static final Duration BACKDATE = Duration.ofHours(1);

    private NodeCertificates() {
    }

    /**
     * The DNS name a node's certificate is issued for: the 64 hex characters of its id as two 32-character
     * labels, then {@code .tandem}, e.g. {@code 0123…ef.4567…89.tandem} (labels stay under the 63-character
     * DNS limit). Used as TLS server name and as the certificate's only subject alternative name.
     */
    public static String dnsName(NodeId id) {
        String hex = id.toHex();
        return hex.substring(0, 32) + "." + hex.substring(32) + "." + DOMAIN;
    }

    /** A fresh TLS key pair and its certificate, signed by {@code identity}. */
    public static NodeTlsCredentials create(NetworkIdentity identity) throws GeneralSecurityException {
        return create(identity, DEFAULT_VALIDITY);
    }

    /** A fresh TLS key pair and its certificate valid for {@code validity}, signed by {@code identity}. */
    public static NodeTlsCredentials create(NetworkIdentity identity, Duration validity)
            throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair tlsKey = gen.generateKeyPair();
        X509Certificate cert = issue(identity.privateKey(), identity.nodeId(), tlsKey, validity);
        return new NodeTlsCredentials(tlsKey.getPrivate(), cert);
    }

    /**
     * Issues a certificate for {@code subjectKey} signed with {@code issuerKey}, naming node {@code node}.
     * Exposed separately so tests can make certificates signed by the wrong key.
     */
    public static X509Certificate issue(PrivateKey issuerKey, NodeId node, KeyPair subjectKey, Duration validity)
            throws GeneralSecurityException {
        Instant now = Instant.now();
        String name = dnsName(node);
        X500Name issuer = new X500Name("O=Tandem,CN=node " + node.shortForm());
        X500Name subject = new X500Name("O=Tandem,CN=tls " + node.shortForm());
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(1, serial),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, subjectKey.getPublic());
        try {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}));
            ContentSigner signer = new JcaContentSignerBuilder("Ed25519").build(issuerKey);
            byte[] der = b.build(signer).getEncoded();
            // Re-parse with the JDK so kwik/agent15 see a plain JDK certificate and key objects.
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertIOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot build the node certificate", e);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot encode the node certificate", e);
        }
    }

    /** SHA-256 of the DER encoding of {@code cert}. */
    public static byte[] sha256(X509Certificate cert) throws CertificateEncodingException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The TLS key and certificate, and a key store holding them under {@link #ALIAS}. */
    public record NodeTlsCredentials(PrivateKey privateKey, X509Certificate certificate) {
        /** An in-memory key store with the key entry, for TLS libraries that take a {@link KeyStore}. */
        public KeyStore keyStore(char[] password) throws GeneralSecurityException {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try {
                ks.load(null, null);
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException("cannot create an empty key store", e);
            }
            ks.setKeyEntry(ALIAS, privateKey, password, new X509Certificate[] {certificate});
            return ks;
        }

        /** SHA-256 of the certificate's DER encoding, as bound into the client proof. */
        public byte[] certificateHash() throws CertificateEncodingException {
            return sha256(certificate);
        }

        @Override
        public String toString() {
            return "NodeTlsCredentials[" + certificate.getSubjectX500Principal().getName().toLowerCase(Locale.ROOT)
                    + "]";
        }
    }
}
