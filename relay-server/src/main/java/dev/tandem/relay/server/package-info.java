/** Placeholder: this module's issue has not been taken yet. */
package dev.tandem.relay.server;
