"""The training step of two checkouts of minicnn, side by side, in fresh processes.

    python benchmarks/before_after.py BEFORE_DIR AFTER_DIR [--rounds 3] [--steps 45] [--busy]

Each measurement is a fresh process with ``PYTHONPATH`` pointing at one checkout: it
builds a workload of ``train_step.py`` (the same layers and batch), runs 10 steps of
warm-up, then times ``--steps`` training steps (``model.train_on_batch``, the step fit
takes). The two checkouts alternate, round after round, so that both meet the same
moments of a noisy machine; the table gives the median over rounds. "1 thr" sets
MINICNN_NUM_THREADS, NUMBA_NUM_THREADS and OPENBLAS_NUM_THREADS to 1; "default" sets
nothing. With --busy, two CPU-bound processes run throughout. The run is appended to
benchmarks/results/before_after.json (and as a section to RESULTS.md).
"""
import argparse
import os
import statistics
import subprocess
import sys

from results_data import append_run, load
from results_file import RESULTS, append_section
from train_step import Busy, WORKLOADS
from train_step import machine as describe_machine

CHILD = """
import sys, time
import numpy as np
import minicnn
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
batch, shape, spec = {workload!r}
layers = []
for kind, *args in spec:
    if kind == "conv":
        layers.append(Conv2D(args[0], args[1], strides=args[2], activation="relu"))
    elif kind == "pool":
        layers.append(MaxPool2D(2))
    elif kind == "flatten":
        layers.append(Flatten())
    else:
        layers.append(Dense(args[0], activation="relu" if args[1] else None))
minicnn.set_seed(0)
model = minicnn.Sequential(layers, input_shape=shape)
model.compile(minicnn.optimizers.SGD(0.01),
              minicnn.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=[])
rng = np.random.default_rng(0)
x = rng.standard_normal((batch,) + shape).astype(np.float32)
y = rng.integers(0, spec[-1][1], batch)
for _ in range(10):
    model.train_on_batch(x, y)
start = time.perf_counter()
for _ in range({steps}):
    model.train_on_batch(x, y)
print((time.perf_counter() - start) / {steps})
"""


def measure(checkout, name, threads, steps):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(checkout))
    if threads == "1 thr":
        env.update(MINICNN_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = CHILD.format(workload=WORKLOADS[name], steps=steps)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd="/")
    if out.returncode != 0:
        raise RuntimeError(f"before_after.py: {name} ({threads}) in {checkout} failed:\n"
                           f"{out.stderr[-3000:]}")
    return float(out.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=45)
    parser.add_argument("--busy", action="store_true")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    checkouts = {"before": args.before, "after": args.after}
    samples = {}
    busy = Busy(seconds=3600) if args.busy else None
    if busy:
        busy.__enter__()
    try:
        for _ in range(args.rounds):
            for name in args.workloads:
                for threads in ("1 thr", "default"):
                    for label, checkout in checkouts.items():
                        t = measure(checkout, name, threads, args.steps)
                        samples.setdefault((name, threads, label), []).append(t)
                        print(f"{name} {threads} {label}: {1000 * t:.2f} ms", flush=True)
    finally:
        if busy:
            busy.__exit__(None, None, None)
    median = {key: statistics.median(v) for key, v in samples.items()}
    append_run("before_after", {
        "machine": describe_machine(), "before": os.path.abspath(args.before),
        "after": os.path.abspath(args.after), "rounds": args.rounds, "steps": args.steps,
        "busy": args.busy, "load_after": load(),
        "ms": {f"{name} | {threads}": {label: 1000 * median[(name, threads, label)]
                                       for label in checkouts}
               for name in args.workloads for threads in ("1 thr", "default")}})
    machine = "busy (two CPU-bound processes)" if args.busy else "quiet"
    lines = [f"## Training step, two checkouts side by side ({machine})", "",
             f"`python benchmarks/before_after.py {args.before} {args.after} --rounds "
             f"{args.rounds} --steps {args.steps}{' --busy' if args.busy else ''}`: median ms per "
             f"step over {args.rounds} alternated rounds of fresh processes.", "",
             "| workload | threads | before | after | after / before |",
             "| --- | --- | --- | --- | --- |"]
    for name in args.workloads:
        for threads in ("1 thr", "default"):
            b, a = median[(name, threads, "before")], median[(name, threads, "after")]
            lines.append(f"| {name} | {threads} | {1000 * b:.2f} | {1000 * a:.2f} | {a / b:.3f} |")
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
