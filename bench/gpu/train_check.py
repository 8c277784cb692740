"""Compares the training checks' runs (bin/gpu-check train, run by bench/gpu/train-check.sh).

  train_check.py compare OUT A B [REFERENCE]   each run's metrics.jsonl under OUT/<precision>: validation top-1 epoch
                                               by epoch, then the final top-1 of A and B; exit 0 if they are within 1
                                               point (0.01), 1 if not or if a run is missing; REFERENCE (fp32) is the
                                               yardstick: how far the same run moves with rounding alone (A against it)
"""
import json
import os
import sys

BAR = 0.01  # one point of top-1


def history(out, precision):
    path = os.path.join(out, precision, "metrics.jsonl")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def compare(out, a, b, reference=None):
    names = [p for p in (a, b, reference) if p]
    runs = {p: history(out, p) for p in names}
    missing = [p for p in (a, b) if not runs[p]]
    if missing:
        print("train-check FAIL: no metrics for %s (see %s)" % (", ".join(missing),
              ", ".join(os.path.join(out, p + ".log") for p in missing)))
        return 1
    epochs = max(len(r) for r in runs.values() if r)
    print("epoch  " + "  ".join("%-24s" % ("%s val top1 (loss, lr)" % p) for p in names))
    for e in range(epochs):
        cells = []
        for p in names:
            r = runs[p]
            m = r[e] if r and e < len(r) else None
            cells.append("%-24s" % ("%.3f (%.4f, %.0e)" % (m["val_top1"], m["val_loss"], m["lr"]) if m else "-"))
        print("%5d  %s" % (e + 1, "  ".join(cells)))
    final = {p: runs[p][-1]["val_top1"] for p in names if runs[p]}
    if len(runs[a]) != len(runs[b]):
        print("train-check FAIL: %s ran %d epochs, %s %d" % (a, len(runs[a]), b, len(runs[b])))
        return 1
    diff = abs(final[a] - final[b])
    line = "final validation top-1 after %d epochs: %s %.3f, %s %.3f, difference %.1f points (bar %.0f)" % (
        len(runs[a]), a, final[a], b, final[b], 100 * diff, 100 * BAR)
    if reference and reference in final:
        line += "; %s %.3f, %s against it %.1f points (rounding alone)" % (
            reference, final[reference], a, 100 * abs(final[a] - final[reference]))
    print(line)
    last = {p: sum(m["val_top1"] for m in runs[p][-5:]) / len(runs[p][-5:]) for p in names if runs[p]}
    print("mean of the last %d epochs' top-1: %s" % (min(5, len(runs[a])), ", ".join("%s %.3f" % (p, last[p]) for p in last)))
    ok = diff <= BAR + 1e-9
    print("train-check %s: %s and %s within 1 point of validation top-1" % ("PASS" if ok else "FAIL", a, b))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) < 5 or sys.argv[1] != "compare":
        sys.exit(__doc__)
    sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None))
