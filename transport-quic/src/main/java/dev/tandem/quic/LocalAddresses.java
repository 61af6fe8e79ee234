package dev.tandem.quic;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The addresses others can dial a socket on; shared by the QUIC transports. */
public final class LocalAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAddresses.class);

    private LocalAddresses() {
    }

    /**
     * {@code bound} itself, or, for a wildcard bind, every non-link-local address of every interface that is up,
     * with the bound port.
     */
    public static List<InetSocketAddress> of(InetSocketAddress bound) {
        List<InetSocketAddress> addrs = new ArrayList<>();
        if (bound.getAddress().isAnyLocalAddress()) {
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!ni.isUp()) {
                        continue;
                    }
                    for (InetAddress ia : Collections.list(ni.getInetAddresses())) {
                        if (!ia.isLinkLocalAddress()) {
                            addrs.add(new InetSocketAddress(ia, bound.getPort()));
                        }
                    }
                }
            } catch (SocketException e) {
                LOG.debug("cannot list network interfaces: {}", e.toString());
            }
        }
        if (addrs.isEmpty()) {
            addrs.add(bound);
        }
        return addrs;
    }
}
