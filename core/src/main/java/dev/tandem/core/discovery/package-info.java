/**
 * Discovery SPI: announce and look up rendezvous ids and node presence. Implementations: {@code lan}
 * (UDP multicast, JDK only). Results are address hints; identities are checked when dialling.
 */
package dev.tandem.core.discovery;
