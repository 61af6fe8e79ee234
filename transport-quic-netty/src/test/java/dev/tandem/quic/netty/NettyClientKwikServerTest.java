package dev.tandem.quic.netty;

/** The compatibility kit with a Netty node dialling a kwik node. */
class NettyClientKwikServerTest extends MixedTransportKit {
    @Override
    protected boolean nettyServer() {
        return false;
    }
}
