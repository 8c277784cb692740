"""Scaling on paper: projected throughput and scaling efficiency of flink-ddp on 1 to 64 GPUs.

The model (one synchronous round per step, nothing overlapped):

    t_compute = batch / single_gpu_images_per_second          (the measured H200 step times)
    t_network = 2 * (N - 1) / N * n_floats * 4 bytes * 8 / bandwidth
                (each slot sends its gradient to the summing subtasks and receives the sums: a
                 reduce-scatter and an all-gather, as in a ring all-reduce; 1/N of it stays local)
    t_round   = overhead + host_copy + t_network               (Flink's round is sequential to compute)
    throughput(N) = N * batch / (t_compute + t_round)
    efficiency(N) = throughput(N) / (N * single_gpu_images_per_second) = t_compute / (t_compute + t_round)

The reference is PyTorch DDP: it splits the gradient into buckets (25 MB) and all-reduces each while
backward (about 2/3 of the step) still runs, so only what does not fit under backward, and at least the
last bucket, is exposed:  exposed = max(t_network * last_bucket_share, t_network - backward_share * t_compute).
Both are about a single GPU without any framework overhead, so 100% efficiency means N times one GPU.

With --accumulate A (gradient accumulation), a round sums A micro-batches of `batch` per slot before it
exchanges: t_compute becomes A * batch / images_per_second, the round's cost is paid once per A
micro-batches, and the step is SGD on A * batch images per slot. The DDP reference then skips the
all-reduce on the first A-1 micro-batches (no_sync) and overlaps it with the last one's backward.
Usage: /usr/bin/python3 bench/scaling_model.py [--overhead 0.33] [--host-copy 0] [--accumulate 1,2,4] [--out DIR]
"""
import argparse
import csv
import os

# The seed's stack on one H200 (NOTES.md): name, images/s, batch per GPU.
GPU_CASES = [
    ("fp32 batch 100", 958.0, 100),
    ("fp32 batch 256", 1059.0, 256),
    ("TF32 batch 256", 2203.0, 256),
    ("bf16 AMP batch 256", 2408.0, 256),
    ("bf16 channels-last batch 256", 4692.0, 256),
]
GPUS = [1, 2, 4, 8, 16, 32, 64]
BANDWIDTHS_GBIT = [10.0, 100.0]
GRADIENT_FLOATS = 25.6e6            # ResNet50 at 1000 classes (25,557,032 trainable + 53,120 statistics)
DDP_BUCKET_BYTES = 25 * 2 ** 20     # torch DDP's default bucket_cap_mb
DDP_BACKWARD_SHARE = 2.0 / 3.0      # backward is about 2/3 of a training step


def network_seconds(gpus, bandwidth_gbit, floats=GRADIENT_FLOATS):
    return 2.0 * (gpus - 1) / gpus * floats * 4 * 8 / (bandwidth_gbit * 1e9)


def flink_step(t_compute, gpus, bandwidth_gbit, overhead, host_copy):
    return t_compute + overhead + host_copy + network_seconds(gpus, bandwidth_gbit)


def ddp_step(t_compute, gpus, bandwidth_gbit, accumulate=1):
    """t_compute covers all `accumulate` micro-batches; only the last one's backward hides the all-reduce."""
    t_net = network_seconds(gpus, bandwidth_gbit)
    last_bucket_share = min(1.0, DDP_BUCKET_BYTES / (GRADIENT_FLOATS * 4))
    return t_compute + max(t_net * last_bucket_share, t_net - DDP_BACKWARD_SHARE * t_compute / accumulate)


def overhead_for(efficiency, t_compute, gpus, bandwidth_gbit, host_copy):
    """The largest round overhead that still gives `efficiency` (negative: not reachable without overlap)."""
    return t_compute / efficiency - t_compute - host_copy - network_seconds(gpus, bandwidth_gbit)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overhead", type=float, default=0.33,
                        help="Flink round overhead in seconds per round beyond moving the bytes (measured 0.27-0.39)")
    parser.add_argument("--host-copy", type=float, default=0.0,
                        help="GPU-to-host-to-GPU copy of the gradient per round, s (measured 0.069 with pageable memory)")
    parser.add_argument("--accumulate", default="1,2,4",
                        help="comma-separated micro-batches per round (--accumulate of the job) to project")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    accumulations = [int(a) for a in args.accumulate.split(",")]
    rows = []
    for accumulate in accumulations:
        for name, ips, batch in GPU_CASES:
            t_compute = accumulate * batch / ips
            for bw in BANDWIDTHS_GBIT:
                for n in GPUS:
                    flink = flink_step(t_compute, n, bw, args.overhead, args.host_copy)
                    zero = flink_step(t_compute, n, bw, 0.0, 0.0)
                    ddp = ddp_step(t_compute, n, bw, accumulate)
                    rows.append({
                        "accumulate": accumulate, "case": name, "bandwidth_gbit": bw, "gpus": n,
                        "t_compute_s": t_compute, "t_network_s": network_seconds(n, bw), "flink_step_s": flink,
                        "flink_images_per_s": n * accumulate * batch / flink, "flink_efficiency": t_compute / flink,
                        "zero_overhead_efficiency": t_compute / zero, "ddp_images_per_s": n * accumulate * batch / ddp,
                        "ddp_efficiency": t_compute / ddp,
                        "overhead_for_90pct_s": overhead_for(0.9, t_compute, n, bw, args.host_copy),
                    })

    print(f"Scaling on paper: overhead {args.overhead} s/round, host copy {args.host_copy} s/round, "
          f"gradient {GRADIENT_FLOATS / 1e6:.1f}M floats, ring-like 2(N-1)/N traffic per slot")
    for accumulate in accumulations:
        for bw in BANDWIDTHS_GBIT:
            print(f"\n--accumulate {accumulate}, {bw:g} Gbit/s  (images/s, efficiency; flink-ddp | same with zero overhead"
                  f" | PyTorch DDP with overlap)")
            print(f"{'case':<30} {'GPUs':>4} {'flink img/s':>11} {'eff':>6} {'eff@0 ovh':>9} {'DDP img/s':>10} {'DDP eff':>7} {'ovh for 90%':>11}")
            for r in rows:
                if r["bandwidth_gbit"] != bw or r["accumulate"] != accumulate:
                    continue
                print(f"{r['case']:<30} {r['gpus']:>4} {r['flink_images_per_s']:>11,.0f} {r['flink_efficiency']:>6.1%} "
                      f"{r['zero_overhead_efficiency']:>9.1%} {r['ddp_images_per_s']:>10,.0f} {r['ddp_efficiency']:>7.1%} "
                      f"{r['overhead_for_90pct_s']:>+10.3f}s")
    print("\nGoal: >= 90% at 8 GPUs, fp32 (batch 100 per micro-batch):")
    for r in rows:
        if r["case"] == "fp32 batch 100" and r["gpus"] == 8:
            print(f"  --accumulate {r['accumulate']}, {r['bandwidth_gbit']:g} Gbit/s: flink-ddp {r['flink_efficiency']:.1%} "
                  f"({'met' if r['flink_efficiency'] >= 0.9 else 'not met'}); zero overhead {r['zero_overhead_efficiency']:.1%}; "
                  f"DDP {r['ddp_efficiency']:.1%}")

    with open(os.path.join(args.out, "scaling-model.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.5g}" if isinstance(v, float) else v) for k, v in r.items()})

    if args.no_plot:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {10.0: "--", 100.0: "-"}
    for case, color in [("fp32 batch 100", "tab:blue"), ("bf16 channels-last batch 256", "tab:red")]:
        for bw in BANDWIDTHS_GBIT:
            sel = [r for r in rows if r["case"] == case and r["bandwidth_gbit"] == bw and r["accumulate"] == accumulations[0]]
            xs = [r["gpus"] for r in sel]
            axes[0].plot(xs, [100 * r["flink_efficiency"] for r in sel], styles[bw], color=color, marker="o", ms=3,
                         label=f"flink-ddp {case}, {bw:g} Gbit/s")
            axes[0].plot(xs, [100 * r["ddp_efficiency"] for r in sel], styles[bw], color=color, alpha=0.35,
                         label=f"PyTorch DDP {case}, {bw:g} Gbit/s")
            axes[1].plot(xs, [r["flink_images_per_s"] for r in sel], styles[bw], color=color, marker="o", ms=3,
                         label=f"flink-ddp {case}, {bw:g} Gbit/s")
            axes[1].plot(xs, [r["ddp_images_per_s"] for r in sel], styles[bw], color=color, alpha=0.35,
                         label=f"PyTorch DDP, {bw:g} Gbit/s")
    for accumulate, color in zip(accumulations[1:], ["tab:green", "tab:purple", "tab:orange", "tab:brown"]):
        sel = [r for r in rows if r["case"] == "fp32 batch 100" and r["bandwidth_gbit"] == 100.0 and r["accumulate"] == accumulate]
        axes[0].plot([r["gpus"] for r in sel], [100 * r["flink_efficiency"] for r in sel], "-", color=color, marker="s", ms=3,
                     label=f"flink-ddp fp32 batch 100, --accumulate {accumulate}, 100 Gbit/s")
    axes[0].axhline(90, color="grey", lw=0.8)
    axes[0].set_ylabel("scaling efficiency, % of N x one GPU")
    axes[0].set_ylim(0, 105)
    axes[1].plot(GPUS, [n * 958 for n in GPUS], ":", color="grey", label="ideal fp32 (N x 958)")
    axes[1].set_yscale("log")
    axes[1].set_ylabel("images/s (projected)")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(GPUS)
        ax.set_xticklabels([str(n) for n in GPUS])
        ax.set_xlabel("GPUs (H200), one slot each")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6.5, loc="center right")
    axes[1].legend(fontsize=6.5, loc="upper left")
    fig.suptitle(f"flink-ddp on paper: round overhead {args.overhead} s, gradient 25.6M floats", fontsize=10)
    fig.tight_layout()
    path = os.path.join(args.out, "scaling-model.png")
    fig.savefig(path, dpi=90)
    print(f"\nwrote {path} and scaling-model.csv")


if __name__ == "__main__":
    main()
