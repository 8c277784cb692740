package io.flinkddp.data;

/** A class folder below the image-set root: its class index and its name (the label text). POJO for Flink. */
public class ClassFolder {
    public int label;
    public String name;

    public ClassFolder() {
    }

    public ClassFolder(int label, String name) {
        this.label = label;
        this.name = name;
    }
}
