package io.flinkddp.model;

import java.nio.file.Path;

/**
 * The other process of {@link DeviceClaimsTest}. {@code claim <directory> <devices>}: claims a device,
 * prints {@code claimed <device>}, then holds it until killed or stdin closes. {@code count <directory>
 * <devices>}: prints each device's claims, space-separated, and exits.
 */
public final class ClaimDeviceAndWait {

    public static void main(String[] args) throws Exception {
        DeviceClaims claims = new DeviceClaims(Path.of(args[1]), Integer.parseInt(args[2]));
        if (args[0].equals("count")) {
            StringBuilder counts = new StringBuilder();
            for (int device = 0; device < claims.devices(); device++) {
                counts.append(device == 0 ? "" : " ").append(claims.claimsOf(device));
            }
            System.out.println(counts);
            return;
        }
        DeviceClaim claim = claims.claim();
        System.out.println("claimed " + claim.device());
        System.out.flush();
        while (System.in.read() != -1) {
            // hold the claim
        }
        claim.close();
    }
}
