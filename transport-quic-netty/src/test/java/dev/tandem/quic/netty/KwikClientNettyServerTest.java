package dev.tandem.quic.netty;

/** The compatibility kit with a kwik node dialling a Netty node. */
class KwikClientNettyServerTest extends MixedTransportKit {
    @Override
    protected boolean nettyServer() {
        return true;
    }
}
