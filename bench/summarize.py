"""Medians and ratios of the CSVs that AveragingRounds and allreduce_gloo.py append to
(run,variant,floats,images_per_slot,chunk_floats,round,seconds). Warm-up rounds are dropped:
Flink supersteps below 4 (superstep 1 reads the shard), gloo rounds below 3.

/usr/bin/python3 bench/summarize.py allreduce CSV     # part 2: ours against gloo, bytes per slot
/usr/bin/python3 bench/summarize.py overhead CSV PNG  # part 3: round overhead against shard size, plot
"""
import collections
import csv
import statistics
import sys

FLOAT_BYTES = 4


def rows(path):
    with open(path) as f:
        for run, variant, floats, images, chunk, rnd, seconds in csv.reader(f):
            if run == "run":
                continue
            if int(rnd) < (3 if variant == "gloo" else 4):
                continue
            yield run, variant, int(floats), int(images), int(chunk), float(seconds)


def grouped(path):
    groups = collections.defaultdict(list)
    for run, variant, floats, images, chunk, seconds in rows(path):
        groups[(variant, floats, images, chunk)].append(seconds)
    return groups


def allreduce(path):
    groups = grouped(path)
    gloo = {key[1]: statistics.median(v) for key, v in groups.items() if key[0] == "gloo"}
    print("| variant | floats | chunk floats (MB) | rounds | median round (s) | gloo median (s) | ratio to gloo |")
    print("|---|---|---|---|---|---|---|")
    for key in sorted(k for k in groups if k[0] != "gloo"):
        variant, floats, images, chunk = key
        ours = statistics.median(groups[key])
        print(f"| {variant} | {floats:,} | {chunk:,} ({chunk * FLOAT_BYTES / 2**20:.0f}) | {len(groups[key])} | "
              f"{ours:.3f} | {gloo[floats]:.3f} | **{ours / gloo[floats]:.2f}x** |")
    by_run = collections.defaultdict(list)
    for run, variant, floats, images, chunk, seconds in rows(path):
        by_run[(run, variant, floats, chunk)].append(seconds)
    print("\nper interleaved run (ours, gloo, ratio):")
    for key in sorted(k for k in by_run if k[1] != "gloo"):
        run, variant, floats, chunk = key
        ours, peer = statistics.median(by_run[key]), statistics.median(by_run[(run, "gloo", floats, 0)])
        print(f"  run {run} {variant} chunk {chunk}: {ours:.3f} s, {peer:.3f} s, {ours / peer:.2f}x")
    for floats in sorted(gloo):
        n = floats * FLOAT_BYTES
        print(f"\nbytes per slot per round at {floats:,} floats, fp32 (bf16 halves each figure): train-round emits "
              f"{n / 1e6:.1f} MB of chunks, half to its own slot's sum-gradients subtask and {n / 2e6:.1f} MB to the other "
              f"slot's; sum-gradients hands its half of the sums back to its slot's iteration head (in memory), which "
              f"broadcasts it to both train-round subtasks, {n / 2e6:.1f} MB to the other slot. Across the slot boundary "
              f"each slot sends {n / 1e6:.1f} MB and receives {n / 1e6:.1f} MB per round, as each rank of gloo's ring "
              f"all-reduce of 2 ranks ({n / 1e6:.1f} MB sent, {n / 1e6:.1f} MB received); in all, {2 * n / 1e6:.1f} MB "
              f"per slot pass through Flink's serializers and channels.")


def overhead(path, png):
    groups = grouped(path)
    gloo = {key[1]: statistics.median(v) for key, v in groups.items() if key[0] == "gloo"}
    curves = collections.defaultdict(dict)
    print("| model (floats) | variant | images per slot | median round overhead (s) | gloo all-reduce (s) | ratio to gloo |")
    print("|---|---|---|---|---|---|")
    for key in sorted(k for k in groups if k[0] != "gloo"):
        variant, floats, images, chunk = key
        ours = statistics.median(groups[key])
        curves[(floats, variant)][images] = ours
        print(f"| {floats:,} | {variant} | {images:,} | {ours:.4f} | {gloo.get(floats, float('nan')):.4f} | "
              f"{ours / gloo.get(floats, float('nan')):.1f}x |")
    print()
    for (floats, variant), curve in sorted(curves.items()):
        sizes = sorted(curve)
        print(f"growth {floats:,} floats, {variant}: {curve[sizes[-1]] / curve[sizes[0]]:.2f}x from "
              f"{sizes[0]:,} to {sizes[-1]:,} images per slot")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (floats, variant), curve in sorted(curves.items()):
        sizes = sorted(curve)
        label = f"{floats / 1e6:.1f}M floats, " + {"once": "shard read once (the job, conf/: cache spills)",
                                                   "once-inmem": "shard read once, cache in memory (2 GB managed)",
                                                   "reread": "shard re-read every round (control)"}.get(variant, variant)
        style = {"once": "-", "once-inmem": "-.", "reread": "--"}.get(variant, ":")
        ax.plot(sizes, [curve[s] for s in sizes], marker="o", linestyle=style, label=label,
                color={"once": "tab:blue", "once-inmem": "tab:green", "reread": "tab:red"}.get(variant, "black"),
                alpha=1.0 if floats > 1e6 else 0.55)
    for floats, seconds in sorted(gloo.items()):
        ax.axhline(seconds, color="gray", linewidth=0.8, linestyle=":")
        ax.text(0.62, seconds * 1.08, f"gloo all_reduce, {floats / 1e6:.1f}M floats", fontsize=7, color="gray",
                transform=ax.get_yaxis_transform())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("shard size (32x32x3 images per slot)")
    ax.set_ylabel("round time minus compute (s, median)")
    ax.set_title("flink-ddp: overhead of a round, 2 slots, compute stubbed")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"plot: {png}")


if __name__ == "__main__":
    if sys.argv[1] == "allreduce":
        allreduce(sys.argv[2])
    else:
        overhead(sys.argv[2], sys.argv[3])
