package dev.tandem.pairing;

import dev.tandem.core.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one-line form of a pairing code, for QR codes and copy-paste:
 * {@code tandem:pair?code=word-word-...&node=<64 hex>&addr=192.0.2.1:5000&addr=[2001:db8::1]:5000}.
 * It carries the initiator's node id (the transport authenticates it when dialling) and its addresses
 * (numeric only: a link never triggers a DNS lookup). Parsing is strict: unknown or repeated parameters,
 * more than {@link #MAX_ADDRESSES} addresses, or anything over {@link #MAX_LENGTH} characters are errors.
 */
public record PairingUri(List<String> words, NodeId node, List<InetSocketAddress> addresses) {
    public static final String SCHEME = "tandem";
    public static final int MAX_LENGTH = 2048;
    public static final int MAX_ADDRESSES = 8;
    private static final Pattern WORDS = Pattern.compile("[a-z]{2,10}(-[a-z]{2,10}){0,23}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    public PairingUri {
        words = List.copyOf(words);
        Objects.requireNonNull(node, "node");
        addresses = List.copyOf(addresses);
        if (addresses.size() > MAX_ADDRESSES) {
            throw new PairingUriException("a pairing link carries at most " + MAX_ADDRESSES + " addresses");
        }
    }

    public URI toUri() {
        StringBuilder b = new StringBuilder(SCHEME).append(":pair?code=").append(String.join("-", words))
                .append("&node=").append(node.toHex());
        for (InetSocketAddress a : addresses) {
            String host = a.getAddress().getHostAddress();
            int pct = host.indexOf('%');
            if (pct >= 0) {
                host = host.substring(0, pct);
            }
            b.append("&addr=").append(host.contains(":") ? "[" + host + "]" : host).append(':').append(a.getPort());
        }
        return URI.create(b.toString());
    }

    @Override
    public String toString() {
        return "PairingUri[node " + node.shortForm() + ", " + addresses.size() + " addresses, code redacted]";
    }

    /** Parses a link typed or scanned by the user. */
    public static PairingUri parse(String text) {
        Objects.requireNonNull(text, "link");
        String t = text.strip();
        if (t.length() > MAX_LENGTH) {
            throw new PairingUriException("pairing link is longer than " + MAX_LENGTH + " characters");
        }
        try {
            return parse(new URI(t));
        } catch (java.net.URISyntaxException e) {
            throw new PairingUriException("not a valid link: " + e.getReason(), e);
        }
    }

    /**
     * Parses a link.
     *
     * @throws PairingUriException naming what is wrong (the code's own errors are {@link WordCodeException}s)
     */
    public static PairingUri parse(URI uri) {
        Objects.requireNonNull(uri, "link");
        if (!SCHEME.equalsIgnoreCase(uri.getScheme()) || !uri.isOpaque()) {
            throw new PairingUriException("a pairing link starts with '" + SCHEME + ":pair?'");
        }
        String ssp = uri.getRawSchemeSpecificPart();
        if (ssp.length() > MAX_LENGTH || uri.getRawFragment() != null) {
            throw new PairingUriException("pairing link is too long or has a fragment");
        }
        if (!ssp.startsWith("pair?")) {
            throw new PairingUriException("a pairing link starts with '" + SCHEME + ":pair?'");
        }
        String code = null;
        NodeId node = null;
        List<InetSocketAddress> addrs = new ArrayList<>();
        for (String param : ssp.substring(5).split("&", -1)) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw new PairingUriException("pairing link has a parameter without a value");
            }
            String key = param.substring(0, eq);
            String value = param.substring(eq + 1);
            switch (key) {
                case "code" -> {
                    if (code != null) {
                        throw new PairingUriException("pairing link has two codes");
                    }
                    if (!WORDS.matcher(value).matches()) {
                        throw new PairingUriException("the code in the link is not lower-case words joined by '-'");
                    }
                    code = value;
                }
                case "node" -> {
                    if (node != null) {
                        throw new PairingUriException("pairing link has two node ids");
                    }
                    try {
                        node = NodeId.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new PairingUriException("the node id in the link is invalid: " + e.getMessage(), e);
                    }
                }
                case "addr" -> {
                    if (addrs.size() == MAX_ADDRESSES) {
                        throw new PairingUriException("a pairing link carries at most " + MAX_ADDRESSES + " addresses");
                    }
                    addrs.add(address(value));
                }
                default -> throw new PairingUriException("pairing link has an unknown parameter '"
                        + (key.length() > 20 ? key.substring(0, 20) + "..." : key) + "'");
            }
        }
        if (code == null) {
            throw new PairingUriException("pairing link has no code");
        }
        if (node == null) {
            throw new PairingUriException("pairing link has no node id");
        }
        List<String> words = List.of(code.split("-"));
        PairingCode.fromWords(words); // checks the words and checksum now, before any network traffic
        return new PairingUri(words, node, addrs);
    }

    private static InetSocketAddress address(String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            throw new PairingUriException("address '" + cut(v) + "' in the link has no port");
        }
        String host = v.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new PairingUriException("address '" + cut(v) + "' in the link has a bad port", e);
        }
        if (port < 1 || port > 65535) {
            throw new PairingUriException("address '" + cut(v) + "' in the link has a port out of range");
        }
        String literal;
        if (host.startsWith("[") && host.endsWith("]") && IPV6.matcher(host.substring(1, host.length() - 1)).matches()
                && host.contains(":")) {
            literal = host.substring(1, host.length() - 1);
        } else if (IPV4.matcher(host).matches()) {
            for (String part : host.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new PairingUriException("address '" + cut(v) + "' in the link is not an IP address");
                }
            }
            literal = host;
        } else {
            throw new PairingUriException("address '" + cut(v) + "' in the link is not a numeric IP address");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (UnknownHostException e) {
            throw new PairingUriException("address '" + cut(v) + "' in the link is not an IP address", e);
        }
    }

    private static String cut(String s) {
        return s.length() > 50 ? s.substring(0, 50) + "..." : s;
    }
}
