"""Training-step speed with the machine busy: default threads against one thread.

    python benchmarks/contention.py [--seconds 60]

Starts two CPU-bound processes of its own (each spins for at most --seconds, then
exits), and meanwhile times the galaxy model's training step at batch 5 in fresh
Python processes: minicnn's default threading, and everything pinned to one
thread (NUMBA_NUM_THREADS=OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1). Alternates the
two, several rounds, and reports medians and their ratio (same contention for both).
"""
import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

from results_file import append_section

STEP = """
import os, statistics, time, numpy as np, minicnn
from minicnn.projects import galaxy
model = galaxy.build_model()
model.compile(minicnn.optimizers.SGD(0.01), "categorical_crossentropy", [])
rng = np.random.default_rng(0)
x = rng.random((5, 128, 128, 3), dtype=np.float32); y = np.eye(4)[rng.integers(0, 4, 5)]
for _ in range(5): model.train_on_batch(x, y)
t = []
for _ in range(20):
    s = time.perf_counter()
    for _ in range(5): model.train_on_batch(x, y)
    t.append((time.perf_counter() - s) / 5)
print(1000 * statistics.median(t))
"""


def spin(deadline):
    while time.time() < deadline:
        sum(i * i for i in range(10000))


def step_ms(one_thread):
    env = dict(os.environ)
    if one_thread:
        env.update(NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", STEP], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def measure(rounds):
    results = {"default threads": [], "one thread": []}
    for _ in range(rounds):
        results["default threads"].append(step_ms(False))
        results["one thread"].append(step_ms(True))
    return {k: statistics.median(v) for k, v in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    quiet = measure(args.rounds)
    deadline = time.time() + args.seconds
    load = [multiprocessing.Process(target=spin, args=(deadline,)) for _ in range(2)]
    for process in load:
        process.start()
    try:
        busy = measure(args.rounds)
    finally:
        for process in load:
            process.terminate()
            process.join()
    lines = ["## Contention: galaxy training step, batch 5", "",
             f"`python benchmarks/contention.py --rounds {args.rounds}`: median ms per step over "
             f"{args.rounds} fresh processes each; 'busy' = two CPU-bound processes of the "
             f"benchmark's own running on this {os.cpu_count()}-core machine.", "",
             "| machine | default threads | one thread | default / one |", "| --- | --- | --- | --- |"]
    for name, r in (("quiet", quiet), ("busy", busy)):
        lines.append(f"| {name} | {r['default threads']:.2f} | {r['one thread']:.2f} | "
                     f"{r['default threads'] / r['one thread']:.2f}x |")
    append_section(lines)


if __name__ == "__main__":
    main()
