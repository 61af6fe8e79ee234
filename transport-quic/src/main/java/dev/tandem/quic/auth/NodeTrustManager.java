package dev.tandem.quic.auth;

import dev.tandem.core.NodeId;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * Accepts a server only if its leaf certificate was issued by the Ed25519 key of the node id the dialler
 * expects, is valid now, names that node ({@link NodeCertificates#dnsName}) and certifies an EC key. The TLS
 * handshake's CertificateVerify then proves the server holds that EC key, so only the expected node (or
 * someone it gave a certificate to) can complete it.
 *
 * <p>One instance per dial. {@link #failure()} tells afterwards whether (and why) this check rejected the
 * server, which the transport reports as an authentication failure rather than an unreachable peer.
 */
public final class NodeTrustManager implements X509TrustManager {
    private static final String ED25519_OID = "1.3.101.112";
    private final NodeId expected;
    private volatile String failure;
    private volatile X509Certificate accepted;

    public NodeTrustManager(NodeId expected) {
        this.expected = expected;
    }

    /** Checks {@code leaf} against node {@code expected}; throws with the reason if it does not belong. */
    public static void verifyLeaf(X509Certificate leaf, NodeId expected) throws CertificateException {
        leaf.checkValidity();
        // The node's certificates are signed with pure Ed25519 (OID 1.3.101.112, no parameters). Verified with
        // Bouncy Castle's Ed25519 over the TBS bytes: same check as leaf.verify(node key), a tenth of the cost.
        if (!ED25519_OID.equals(leaf.getSigAlgOID())) {
            throw new CertificateException("certificate is signed with " + leaf.getSigAlgName()
                    + ", not by node " + expected.shortForm() + "'s Ed25519 key");
        }
        if (!Ed25519Fast.verify(expected, leaf.getTBSCertificate(), leaf.getSignature())) {
            throw new CertificateException("certificate is not signed by node " + expected.shortForm());
        }
        if (!"EC".equals(leaf.getPublicKey().getAlgorithm())) {
            throw new CertificateException("certificate key is " + leaf.getPublicKey().getAlgorithm()
                    + ", expected EC");
        }
        if (!names(leaf).contains(NodeCertificates.dnsName(expected))) {
            throw new CertificateException("certificate does not name node " + expected.shortForm());
        }
    }

    private static List<String> names(X509Certificate leaf) throws CertificateParsingException {
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans == null) {
            return List.of();
        }
        return sans.stream().filter(e -> e.size() == 2 && Integer.valueOf(2).equals(e.get(0)))
                .map(e -> String.valueOf(e.get(1))).toList();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("server sent no certificate");
            }
            verifyLeaf(chain[0], expected);
            accepted = chain[0];
        } catch (CertificateException e) {
            failure = e.getMessage();
            throw e;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not used; clients prove their key in-band");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }

    /** True if this trust manager accepted exactly {@code leaf} (same encoding) during the handshake. */
    public boolean accepted(X509Certificate leaf) {
        X509Certificate a = accepted;
        return a != null && a.equals(leaf);
    }

    /** Why this trust manager rejected the server, or null if it did not. */
    public String failure() {
        return failure;
    }

    public NodeId expected() {
        return expected;
    }
}
