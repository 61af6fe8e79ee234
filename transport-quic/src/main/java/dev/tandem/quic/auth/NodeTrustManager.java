package dev.tandem.quic.auth;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.security.GeneralSecurityException;
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
    private final NodeId expected;
    private volatile String failure;

    public NodeTrustManager(NodeId expected) {
        this.expected = expected;
    }

    /** Checks {@code leaf} against node {@code expected}; throws with the reason if it does not belong. */
    public static void verifyLeaf(X509Certificate leaf, NodeId expected) throws CertificateException {
        leaf.checkValidity();
        try {
            leaf.verify(NetworkIdentity.publicKeyOf(expected));
        } catch (GeneralSecurityException e) {
            throw new CertificateException("certificate is not signed by node " + expected.shortForm(), e);
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

    /** Why this trust manager rejected the server, or null if it did not. */
    public String failure() {
        return failure;
    }

    public NodeId expected() {
        return expected;
    }
}
