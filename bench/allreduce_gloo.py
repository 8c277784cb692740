"""The peer of bench/allreduce-gloo.sh: torch.distributed gloo all_reduce (sum) of one float32 tensor
between 2 processes on loopback, as PyTorch DDP averages gradients on CPU. Appends each timed round
to a CSV (run,variant,floats,images_per_slot,chunk_floats,round,seconds), as AveragingRounds does.

/usr/bin/python3 bench/allreduce_gloo.py --csv FILE [--floats 25557032] [--rounds 12] [--run 1]
"""
import argparse
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def worker(rank, args, port, queue):
    torch.set_num_threads(1)  # 2 processes on 2 cores
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    tensor = torch.empty(args.floats, dtype=torch.float32)
    seconds = []
    for _ in range(args.rounds):
        tensor.fill_(rank + 1.0)
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        seconds.append(time.perf_counter() - start)
    assert float(tensor[0]) == 3.0 and float(tensor[-1]) == 3.0
    if rank == 0:
        queue.put(seconds)
    dist.barrier()
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--floats", type=int, default=25_557_032)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--run", default="1")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(rank, args, port, queue)) for rank in range(2)]
    for p in procs:
        p.start()
    seconds = queue.get()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"gloo worker failed with exit code {p.exitcode}")
    with open(args.csv, "a") as out:
        for r, s in enumerate(seconds):
            out.write(f"{args.run},gloo,{args.floats},0,0,{r + 1},{s:.6f}\n")
    timed = sorted(seconds[2:])
    print(f"gloo floats={args.floats}: median all_reduce {timed[len(timed) // 2]:.4f} s (rounds 3..{args.rounds})")


if __name__ == "__main__":
    main()
