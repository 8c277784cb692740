package io.flinkddp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The seeded split: the same seed gives the same roles, shards and order whatever the listing order, and role
 * and order do not depend on the slot count; the split follows the fraction and shards differ by at most one
 * image; {@code --subset} takes that fraction, and another seed changes the split; sets that cannot be trained
 * (such as more slots than the shards have images) are refused with the reason.
 */
class SplitPlanTest {

    private static List<ImageRef> images(int count) {
        List<ImageRef> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            images.add(new ImageRef("class-" + (i % 3) + "/img-" + i + ".jpg", i % 3));
        }
        return images;
    }

    private static Map<String, SplitImage> byPath(List<SplitImage> split) {
        return split.stream().collect(Collectors.toMap(image -> image.relativePath, Function.identity()));
    }

    @Test
    void sameSeedGivesTheSameSplitWhateverTheListingOrder() {
        List<ImageRef> listed = images(200);
        List<ImageRef> shuffled = new ArrayList<>(listed);
        Collections.shuffle(shuffled, new Random(1));
        Map<String, SplitImage> a = byPath(SplitPlan.assign(listed, 42, 1.0, 0.8, 2));
        Map<String, SplitImage> b = byPath(SplitPlan.assign(shuffled, 42, 1.0, 0.8, 2));
        for (String path : a.keySet()) {
            assertEquals(a.get(path).role, b.get(path).role, path);
            assertEquals(a.get(path).slot, b.get(path).slot, path);
            assertEquals(a.get(path).order, b.get(path).order, path);
        }
    }

    @Test
    void roleAndOrderDoNotDependOnTheSlotCount() {
        Map<String, SplitImage> one = byPath(SplitPlan.assign(images(101), 7, 1.0, 0.8, 1));
        Map<String, SplitImage> three = byPath(SplitPlan.assign(images(101), 7, 1.0, 0.8, 3));
        for (String path : one.keySet()) {
            assertEquals(one.get(path).role, three.get(path).role);
            assertEquals(one.get(path).order, three.get(path).order);
        }
    }

    @Test
    void splitsByTheFractionAndBalancesShardsToWithinOne() {
        List<SplitImage> split = SplitPlan.assign(images(101), 7, 1.0, 0.8, 3);
        long train = split.stream().filter(image -> image.role == SplitImage.TRAIN).count();
        assertEquals(81, train);
        for (int role : new int[] {SplitImage.TRAIN, SplitImage.VALIDATION}) {
            long[] shard = new long[3];
            split.stream().filter(image -> image.role == role).forEach(image -> shard[image.slot]++);
            long max = Math.max(shard[0], Math.max(shard[1], shard[2]));
            long min = Math.min(shard[0], Math.min(shard[1], shard[2]));
            assertTrue(max - min <= 1, "shard sizes " + java.util.Arrays.toString(shard));
        }
    }

    @Test
    void subsetUsesThatFractionAndSeedsChangeTheSplit() {
        List<SplitImage> subset = SplitPlan.assign(images(200), 42, 0.25, 0.8, 2);
        assertEquals(150, subset.stream().filter(image -> image.role == SplitImage.UNUSED).count());
        assertEquals(40, subset.stream().filter(image -> image.role == SplitImage.TRAIN).count());
        Map<String, SplitImage> a = byPath(SplitPlan.assign(images(200), 1, 1.0, 0.8, 2));
        Map<String, SplitImage> b = byPath(SplitPlan.assign(images(200), 2, 1.0, 0.8, 2));
        long differ = a.keySet().stream().filter(path -> a.get(path).role != b.get(path).role).count();
        assertNotEquals(0, differ, "another seed gives another split");
    }

    @Test
    void unusableSetsAreRejectedWithTheReason() {
        ClassLabels classes = ClassLabels.ofFolders(List.of("cats", "dogs"));
        ListingSummary none = ListingSummary.of(List.of(), 2);
        assertTrue(assertThrows(InvalidDataException.class, () -> none.validate("s3://b/x", classes, 1))
                .getMessage().startsWith("no images"));
        List<ImageRef> oneClass = List.of(new ImageRef("cats/a.jpg", 0), new ImageRef("cats/b.jpg", 0));
        ListingSummary single = ListingSummary.of(SplitPlan.assign(oneClass, 1, 1.0, 0.5, 1), 2);
        assertTrue(assertThrows(InvalidDataException.class, () -> single.validate("s3://b/x", classes, 1))
                .getMessage().contains("at least two class folders"));
        ListingSummary small = ListingSummary.of(SplitPlan.assign(images(10), 1, 1.0, 0.8, 3), 3);
        assertTrue(assertThrows(InvalidDataException.class, () -> small.validate("dir", ClassLabels.ofFolders(List.of("a", "b", "c")), 3))
                .getMessage().startsWith("--slots 3 is more than the shards have images"));
    }
}
