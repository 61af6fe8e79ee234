/** Tandem's test fixtures: the in-memory transport and the transport compatibility kit. */
module dev.tandem.testkit {
    requires transitive dev.tandem.core;
    requires org.junit.jupiter.api;

    exports dev.tandem.testkit;
    opens dev.tandem.testkit to org.junit.platform.commons;
}
