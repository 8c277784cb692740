package io.flinkddp.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides each image's role and shard from a hash of (seed, relative path) alone, so the result is
 * the same whatever the listing order or parallelism. Images sorted by that hash form a seeded
 * random order: the first {@code subset} of them are used, of which the first {@code trainFraction}
 * train and the rest validate. The i-th training (or validation) image goes to slot i mod slots,
 * so shard sizes differ by at most one.
 */
public final class SplitPlan {

    private SplitPlan() {
    }

    public static List<SplitImage> assign(List<ImageRef> images, long seed, double subsetFraction, double trainFraction, int slots) {
        List<Keyed> keyed = new ArrayList<>(images.size());
        for (ImageRef image : images) {
            keyed.add(new Keyed(Seeds.hash(seed, image.relativePath), image));
        }
        keyed.sort(Comparator.comparingLong(Keyed::hash).thenComparing(k -> k.image.relativePath));
        int used = (int) Math.round(images.size() * subsetFraction);
        int train = (int) Math.round(used * trainFraction);
        List<SplitImage> assigned = new ArrayList<>(images.size());
        for (int rank = 0; rank < keyed.size(); rank++) {
            ImageRef image = keyed.get(rank).image;
            int role;
            int slot;
            if (rank < train) {
                role = SplitImage.TRAIN;
                slot = rank % slots;
            } else if (rank < used) {
                role = SplitImage.VALIDATION;
                slot = (rank - train) % slots;
            } else {
                role = SplitImage.UNUSED;
                slot = -1;
            }
            assigned.add(new SplitImage(image.relativePath, image.label, role, slot, rank));
        }
        return assigned;
    }

    private record Keyed(long hash, ImageRef image) {
    }
}
