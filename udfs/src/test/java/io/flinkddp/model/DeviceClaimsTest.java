package io.flinkddp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceClaimsTest {

    @Test
    void subtasksOfOneTaskManagerGetDifferentGpus() {
        DeviceClaims claims = new DeviceClaims(4);
        Set<Integer> devices = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            devices.add(claims.claim());
        }
        assertEquals(Set.of(0, 1, 2, 3), devices);
    }

    @Test
    void moreSubtasksThanGpusShareThemEvenly() {
        DeviceClaims claims = new DeviceClaims(2);
        assertEquals(0, claims.claim());
        assertEquals(1, claims.claim());
        assertEquals(0, claims.claim());
        assertEquals(1, claims.claim());
        assertEquals(2, claims.claimsOf(0));
    }

    @Test
    void aReleasedGpuIsClaimedNext() {
        DeviceClaims claims = new DeviceClaims(3);
        claims.claim();
        claims.claim();
        claims.claim();
        claims.release(1);
        assertEquals(1, claims.claim());
        assertThrows(IllegalStateException.class, () -> new DeviceClaims(2).release(0));
        assertThrows(IllegalArgumentException.class, () -> new DeviceClaims(0));
    }

    @Test
    void aCpuBackendHasOneDeviceForEverySlot() {
        DeviceClaims claims = new DeviceClaims(1);
        assertEquals(0, claims.claim());
        assertEquals(0, claims.claim());
    }
}
