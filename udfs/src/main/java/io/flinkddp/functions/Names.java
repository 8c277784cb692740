package io.flinkddp.functions;

/** Names shared between the pipeline wiring and the functions: broadcast sets and iteration aggregators. */
public final class Names {
    /** Broadcast into train-round: the previous round's gradient sum, in chunks. */
    public static final String GRADIENT_SUMS = "gradient-sums";
    /** Broadcast into train-round and the dry-run writer: what listing and split found. */
    public static final String LISTING_SUMMARY = "listing-summary";
    /** Broadcast into train-round: the folder of the checkpoint to resume from, or nothing for a fresh start. */
    public static final String RESUME_FROM = "resume-from";
    /** Iteration aggregator: every slot's {@link io.flinkddp.train.RoundReport}, summed per round. */
    public static final String ROUND_REPORT = "round-report";
    /** Broadcast into predict's and evaluate's writers: how many images each list-images subtask listed. */
    public static final String IMAGES_LISTED = "images-listed";
    /** Accumulators shown in the web UI. */
    public static final String IMAGES_SKIPPED = "images-skipped";
    public static final String FILES_IGNORED = "files-ignored";

    private Names() {
    }
}
