package io.flinkddp.model;

/** What JMX shows of a held {@link DeviceClaim}: its device, its claim level and its lock file. */
public interface DeviceClaimMBean {

    int getDevice();

    int getClaimLevel();

    String getLockFile();
}
