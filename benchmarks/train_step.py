"""Time one training step (forward + backward + SGD update) of small CNNs: minicnn's
fast ops (numba), its textbook ops (NumPy) and PyTorch CPU; one thread and default threads;
on a quiet machine and with two CPU-bound processes running.

    python benchmarks/train_step.py [--passes 7] [--steps 10] [--busy-passes 5] [--out FILE]

Thread counts are switched at run time (``minicnn.set_num_threads``,
``torch.set_num_threads``); inside minicnn's calls OpenBLAS runs on one
thread whatever the setting. Implementations are interleaved: each pass
times ``--steps`` steps of every implementation in turn; the tables give the
median over passes of the per-step time, and every ratio is taken within one
table (same run, same load). "Busy" starts two CPU-bound processes of the
benchmark's own (each stops by itself after a deadline) on this 2-core
machine. PyTorch is skipped when it is not installed.
"""
import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

import minicnn
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
from minicnn.ops.fast import by_image_blocks
from minicnn.parallel.halves import multiply_adds
from results_data import append_run, load
from results_file import RESULTS, append_section

try:
    import torch
except ImportError:
    torch = None

# name: (batch, input (H, W, C), layers as (kind, args))
WORKLOADS = {
    "mnist": (64, (28, 28, 1), [("conv", 32, 3, 1), ("pool",), ("conv", 64, 3, 1), ("pool",),
                                ("flatten",), ("dense", 10, False)]),
    "xray": (8, (256, 256, 1), [("conv", 5, 5, 3), ("pool",), ("conv", 3, 3, 1), ("pool",),
                                ("flatten",), ("dense", 3, False)]),
    "galaxy": (32, (128, 128, 3), [("conv", 8, 3, 2), ("pool",), ("conv", 8, 3, 2), ("pool",),
                                   ("flatten",), ("dense", 16, True), ("dense", 4, False)]),
}
WORKLOADS["galaxy-b5"] = (5,) + WORKLOADS["galaxy"][1:]  # a small batch: threads must not hurt
DEFAULT_THREADS = minicnn.get_num_threads()
TORCH_DEFAULT_THREADS = torch.get_num_threads() if torch is not None else None


def minicnn_model(spec, input_shape):
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
    model = minicnn.Sequential(layers, input_shape=input_shape)
    model.compile(minicnn.optimizers.SGD(0.01),
                  minicnn.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=[])
    return model


def torch_model(spec, input_shape):
    nn = torch.nn
    h, w, c = input_shape
    layers, channels = [], c
    for kind, *args in spec:
        if kind == "conv":
            layers += [nn.Conv2d(channels, args[0], args[1], stride=args[2]), nn.ReLU()]
            channels = args[0]
        elif kind == "pool":
            layers.append(nn.MaxPool2d(2))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        else:
            layers.append(nn.LazyLinear(args[0]))
            if args[1]:
                layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    model(torch.zeros(1, c, h, w))  # materialise the lazy layers
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def flops_per_step(model, batch):
    """Multiply-adds x 2 of the forward products, the weight gradients and the
    input gradients (none for the first layer, which needs no input gradient)."""
    return sum(2 * batch * multiply_adds(layer) * (3 if i > 0 else 2)
               for i, layer in enumerate(model.layers))


def implementations(name, threads, textbook=True):
    """{label: (step, model or None)} for the workload; each step sets its thread count."""
    batch, shape, spec = WORKLOADS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, spec[-1][1], batch)
    impls = {}
    for ops in ("numba", "numpy") if textbook else ("numba",):
        minicnn.set_seed(0)
        model = minicnn_model(spec, shape)
        for n in threads:
            def step(model=model, ops=ops, n=n):
                minicnn.set_ops(ops)
                minicnn.set_num_threads(n)
                model.train_on_batch(x, y)
            impls[f"minicnn-{ops}, {n} thr"] = (step, model)
    if torch is not None:
        torch.manual_seed(0)
        torch_step = torch_model(spec, shape)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y)
        for n in threads:
            torch_n = n if n == 1 else TORCH_DEFAULT_THREADS

            def step(n=torch_n):
                torch.set_num_threads(n)
                torch_step(xt, yt)
            impls[f"pytorch, {torch_n} thr"] = (step, None)
    return batch, impls, (x, y)


def time_impls(impls, passes, steps):
    for step, _ in impls.values():  # warm-up: JIT, buffers, lazy init
        for _ in range(3):
            step()
    samples = {key: [] for key in impls}
    for _ in range(passes):
        for key, (step, _) in impls.items():
            step()  # the thread switch and its first step stay out of the timing
            start = time.perf_counter()
            for _ in range(steps):
                step()
            samples[key].append((time.perf_counter() - start) / steps)
    minicnn.set_ops("numba")
    minicnn.set_num_threads(DEFAULT_THREADS)
    return {key: statistics.median(v) for key, v in samples.items()}


def breakdown(name, passes):
    """Per-layer forward and backward ms, one thread, fast and textbook ops (model.trace)."""
    batch, shape, spec = WORKLOADS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, spec[-1][1], batch)
    model = minicnn_model(spec, shape)
    minicnn.set_num_threads(1)
    rows = {}
    for ops in ("numba", "numpy"):
        minicnn.set_ops(ops)
        traces = [model.trace(x, y, print_fn=lambda s: None) for _ in range(passes * 3)]
        rows[ops] = [
            (row["layer"], statistics.median(t[i]["forward_ms"] for t in traces),
             statistics.median(t[i]["backward_ms"] for t in traces))
            for i, row in enumerate(traces[0])]
    minicnn.set_ops("numba")
    minicnn.set_num_threads(DEFAULT_THREADS)
    paths = {layer.name: ("image blocks" if by_image_blocks(layer.filters, layer.output_shape[1])
                          else "im2col") for layer in model.layers if isinstance(layer, Conv2D)}
    return rows, paths


def spin(deadline):
    while time.time() < deadline:
        sum(i * i for i in range(10000))


class Busy:
    """Two CPU-bound processes for the duration of the block (and never past ``seconds``)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        deadline = time.time() + self.seconds
        self.load = [multiprocessing.Process(target=spin, args=(deadline,), daemon=True)
                     for _ in range(2)]
        for process in self.load:
            process.start()
        time.sleep(0.5)

    def __exit__(self, *exc):
        for process in self.load:
            process.terminate()
            process.join()


FIRST_STEP = """
import time; t0 = time.perf_counter(); import minicnn; t1 = time.perf_counter()
import numpy as np, sys
sys.path.insert(0, {here!r})
from train_step import WORKLOADS, minicnn_model
batch, shape, spec = WORKLOADS[{name!r}]
model = minicnn_model(spec, shape)
x = np.zeros((batch,) + shape, np.float32); y = np.zeros(batch)
t2, c2 = time.perf_counter(), time.process_time(); model.train_on_batch(x, y)
print(t1 - t0, time.perf_counter() - t2, time.process_time() - c2)
"""


def first_step_seconds(name, cache_dir):
    """(import s, first training step s, its CPU time s) in a fresh process, with numba's
    cache in cache_dir."""
    code = FIRST_STEP.format(here=os.path.dirname(os.path.abspath(__file__)), name=name)
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    return tuple(float(v) for v in out.stdout.split())


def memory_profile(name, steps=30):
    """Peak traced memory of one step, page faults per step, growth over many steps."""
    _, impls, _ = implementations(name, (DEFAULT_THREADS,), textbook=False)
    step, model = next(iter(impls.values()))
    for _ in range(3):
        step()
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    first, _ = tracemalloc.get_traced_memory()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, faults, last - first


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numba
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}, numba {numba.__version__}"
    if torch is not None:
        versions += f", PyTorch {torch.__version__}"
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return (f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}; {versions}; "
            f"NumPy BLAS: {blas.get('name', '?')} {blas.get('version', '')}")


def table(title, medians, batch, flops, reference):
    lines = [f"| {title} | implementation | median ms/step | images/s | GFLOP/s | "
             f"time / {reference} |", "| --- | --- | --- | --- | --- | --- |"]
    for key, seconds in medians.items():
        lines.append(f"| | {key} | {1000 * seconds:.2f} | {batch / seconds:.0f} | "
                     f"{flops / seconds / 1e9:.1f} | {seconds / medians[reference]:.2f} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--busy-passes", type=int, default=5)
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--skip-breakdown", action="store_true")
    args = parser.parse_args()
    one = "minicnn-numba, 1 thr"
    default = f"minicnn-numba, {DEFAULT_THREADS} thr"
    lines = ["## Training step: minicnn and PyTorch CPU, one thread and default threads, "
             "quiet and busy", "",
             f"Machine: {machine()}. Default threads: minicnn {DEFAULT_THREADS}, PyTorch "
             f"{TORCH_DEFAULT_THREADS}.", "",
             f"`python benchmarks/train_step.py --passes {args.passes} --steps {args.steps} "
             f"--busy-passes {args.busy_passes}`: median over interleaved passes of the mean step "
             f"time over {args.steps} steps. The last column divides each time by minicnn's "
             f"one-thread time in the same table: below 1 is faster than minicnn on one thread, "
             f"above 1 slower.", ""]
    summary, record = [], {"machine": machine(), "passes": args.passes, "steps": args.steps,
                           "busy_passes": args.busy_passes, "default_threads": DEFAULT_THREADS,
                           "torch_default_threads": TORCH_DEFAULT_THREADS, "workloads": {}}
    for name in args.workloads:
        batch, impls, _ = implementations(name, (1, DEFAULT_THREADS), textbook=True)
        model = impls[one][1]
        flops = flops_per_step(model, batch)
        quiet_load = load()
        quiet = time_impls(impls, args.passes, args.steps)
        busy_impls = {k: v for k, v in impls.items() if "numpy" not in k}
        with Busy(seconds=600):
            busy_load = load()
            busy = time_impls(busy_impls, args.busy_passes, args.steps)
        lines += [f"### {name} (batch {batch})", ""]
        lines += table("quiet", quiet, batch, flops, one) + [""]
        lines += table("busy", busy, batch, flops, one) + [""]
        print("\n".join(lines[-2 * (len(quiet) + 3):]), flush=True)
        torch_one = quiet.get("pytorch, 1 thr")
        torch_default = quiet.get(f"pytorch, {TORCH_DEFAULT_THREADS} thr")
        torch_busy = busy.get(f"pytorch, {TORCH_DEFAULT_THREADS} thr")
        summary.append((name, quiet[one], quiet[default], busy[one], busy[default], torch_one,
                        torch_default, torch_busy))
        record["workloads"][name] = {
            "batch": batch, "flops_per_step": flops,
            "quiet_ms": {k: 1000 * v for k, v in quiet.items()}, "quiet_load": quiet_load,
            "busy_ms": {k: 1000 * v for k, v in busy.items()}, "busy_load": busy_load}
    lines += ["### Summary: speed-ups (above 1: minicnn faster, or threads help)", "",
              "| workload | 1 thr vs PyTorch 1 thr (quiet) | default vs 1 thr (quiet) | "
              "default / 1 thr time (busy) | default vs PyTorch default (busy) |",
              "| --- | --- | --- | --- | --- |"]
    for name, q1, qd, b1, bd, t1, td, tb in summary:
        versus = lambda t, m: f"{t / m:.2f}x" if t else "n/a"  # noqa: E731
        lines.append(f"| {name} | {versus(t1, q1)} | {q1 / qd:.2f}x | {bd / b1:.2f} | "
                     f"{versus(tb, bd)} |")
    if not args.skip_breakdown:
        lines += ["", "### Per-layer breakdown, one thread (median ms, from `model.trace`: "
                  "the layers' own ops, not the fast step's fused ones; the first layer's "
                  "backward includes its input gradient, which training skips)", ""]
        for name in args.workloads:
            if name == "galaxy-b5":
                continue
            rows, paths = breakdown(name, args.passes)
            lines += [f"**{name}** (convolutions: "
                      + ", ".join(f"{k} {v}" for k, v in paths.items()) + ")", "",
                      "| layer | numba fwd | numba bwd | numpy fwd | numpy bwd |",
                      "| --- | --- | --- | --- | --- |"]
            for (layer, f1, b1), (_, f2, b2) in zip(rows["numba"], rows["numpy"]):
                lines.append(f"| {layer} | {f1:.2f} | {b1:.2f} | {f2:.2f} | {b2:.2f} |")
            lines.append("")
    lines += ["### Start-up, compilation and memory", ""]
    record["first_step"] = {}
    for name in ("xray", "galaxy", "mnist"):
        with tempfile.TemporaryDirectory() as empty:  # as after installing: nothing compiled
            import_s, first_s, first_cpu = first_step_seconds(name, empty)
            _, cached_s, _ = first_step_seconds(name, empty)
        record["first_step"][name] = {"empty_cache_s": first_s, "empty_cache_cpu_s": first_cpu,
                                      "cached_s": cached_s, "import_s": import_s,
                                      "load": load()}
        lines.append(f"- {name}: first training step in a fresh process {first_s:.2f} s "
                     f"({first_cpu:.2f} s of CPU) with an empty numba cache (compiles what "
                     f"this model uses), {cached_s:.2f} s from the cache; `import minicnn` "
                     f"{import_s:.2f} s.")
    record["memory"] = {}
    for name in args.workloads:
        peak, faults, growth = memory_profile(name)
        record["memory"][name] = {"peak_traced_mib": peak / 2**20, "page_faults_per_step": faults,
                                  "growth_kib": growth / 2**10}
        lines.append(f"- {name}: peak traced memory of a step {peak / 2**20:.1f} MiB; "
                     f"{faults:.1f} page faults per step; growth over 30 steps "
                     f"{growth / 2**10:.1f} KiB.")
    append_section(lines, args.out)
    append_run("train_step", record)


if __name__ == "__main__":
    main()
