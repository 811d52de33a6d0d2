"""Time one SGD training step (forward + backward + update) on three small CNNs,
with minicnn's numba kernels, with its NumPy twins, and with PyTorch CPU.

    python benchmarks/train_step.py [--passes 7] [--steps 10] [--out benchmarks/RESULTS.md]

One thread each: the thread variables are set below before NumPy, numba or
torch is imported. The implementations are interleaved: each pass times
``--steps`` steps of every implementation in turn, and the report gives the
median over passes of the per-step time, with ratios taken within this run.
PyTorch is skipped when it is not installed.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import minicnn  # noqa: E402
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D  # noqa: E402
from results_file import RESULTS, append_section  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

# name: (batch, input (H, W, C), layers as (kind, args)), as in the issue
WORKLOADS = {
    "mnist": (64, (28, 28, 1), [("conv", 32, 3, 1), ("pool",), ("conv", 64, 3, 1), ("pool",),
                                ("flatten",), ("dense", 10, False)]),
    "xray": (8, (256, 256, 1), [("conv", 5, 5, 3), ("pool",), ("conv", 3, 3, 1), ("pool",),
                                ("flatten",), ("dense", 3, False)]),
    "galaxy": (32, (128, 128, 3), [("conv", 8, 3, 2), ("pool",), ("conv", 8, 3, 2), ("pool",),
                                   ("flatten",), ("dense", 16, True), ("dense", 4, False)]),
}


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
    model.compile(minicnn.optimizers.SGD(0.01), "sparse_categorical_crossentropy", metrics=[])
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
    """Multiply-adds x 2 of the forward GEMMs, the weight-gradient GEMMs and the
    input-gradient GEMMs (none for the first layer, which needs no input gradient)."""
    total = 0
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Conv2D):
            kh, kw = layer.kernel_size
            oh, ow, f = layer.output_shape
            macs = oh * ow * kh * kw * layer.input_shape[2] * f
        elif isinstance(layer, Dense):
            macs = layer.input_shape[0] * layer.units
        else:
            continue
        total += 2 * batch * macs * (3 if i > 0 else 2)
    return total


def implementations(name):
    batch, shape, spec = WORKLOADS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, spec[-1][1], batch)
    impls = {}
    for kernels in ("numba", "numpy"):
        minicnn.set_seed(0)
        model = minicnn_model(spec, shape)

        def step(model=model, kernels=kernels):
            minicnn.set_kernels(kernels)
            model.train_on_batch(x, y)
        impls[f"minicnn-{kernels}"] = (step, model)
    if torch is not None:
        torch.manual_seed(0)
        torch_step = torch_model(spec, shape)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y)
        impls["pytorch"] = (lambda: torch_step(xt, yt), None)
    return batch, impls, (x, y)


def time_workload(name, passes, steps):
    batch, impls, (x, y) = implementations(name)
    for step, _ in impls.values():  # warm-up: JIT, buffers, lazy init
        for _ in range(3):
            step()
    samples = {key: [] for key in impls}
    for _ in range(passes):
        for key, (step, _) in impls.items():
            start = time.perf_counter()
            for _ in range(steps):
                step()
            samples[key].append((time.perf_counter() - start) / steps)
    medians = {key: statistics.median(v) for key, v in samples.items()}
    model = impls["minicnn-numba"][1]
    breakdown = {}
    for kernels in ("numba", "numpy"):
        minicnn.set_kernels(kernels)
        traces = [model.trace(x, y, print_fn=lambda s: None) for _ in range(passes * 3)]
        breakdown[kernels] = [
            (row["layer"], statistics.median(t[i]["forward_ms"] for t in traces),
             statistics.median(t[i]["backward_ms"] for t in traces))
            for i, row in enumerate(traces[0])]
    minicnn.set_kernels("numba")
    return batch, medians, flops_per_step(model, batch), breakdown


def memory_profile(name, steps=30):
    """Peak traced memory of one step, its im2col buffers, and growth over many steps."""
    batch, impls, (x, y) = implementations(name)
    step, model = impls["minicnn-numba"]
    step()
    cols = sum(layer.cols.nbytes for layer in model.layers if isinstance(layer, Conv2D))
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    first, _ = tracemalloc.get_traced_memory()
    for _ in range(steps):
        step()
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, cols, last - first


def first_use_seconds():
    """Import time, and the first training step in a fresh process, with numba's on-disk cache."""
    code = ("import time; t0 = time.perf_counter(); import minicnn; t1 = time.perf_counter();"
            "import numpy as np; from minicnn.layers import *;"
            "m = minicnn.Sequential([Conv2D(4, 3, activation='relu'), MaxPool2D(2), Flatten(),"
            " Dense(3)], input_shape=(16, 16, 1)); m.compile('sgd', 'sparse_categorical_crossentropy', []);"
            "t2 = time.perf_counter(); m.train_on_batch(np.zeros((2, 16, 16, 1), np.float32), np.zeros(2));"
            "t3 = time.perf_counter(); print(t1 - t0, t3 - t2)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return tuple(float(v) for v in out.stdout.split())


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
    return (f"{cpu}, {os.cpu_count()} cores; {versions}; NumPy BLAS: {blas.get('name', '?')} "
            f"{blas.get('version', '')}; one thread for every implementation")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    args = parser.parse_args()

    lines = ["## Training step: minicnn (numba, NumPy twins) and PyTorch CPU", "",
             f"Machine: {machine()}.", "",
             f"`python benchmarks/train_step.py --passes {args.passes} --steps {args.steps}`: "
             f"median over {args.passes} interleaved passes of the mean step time over "
             f"{args.steps} steps. Ratios are within this run.", "",
             "| workload | implementation | median ms/step | images/s | GFLOP/s | numba speed-up |",
             "| --- | --- | --- | --- | --- | --- |"]
    breakdowns = []
    for name in args.workloads:
        batch, medians, flops, breakdown = time_workload(name, args.passes, args.steps)
        for key, seconds in medians.items():
            ratio = seconds / medians["minicnn-numba"]
            lines.append(f"| {name} | {key} | {1000 * seconds:.2f} | {batch / seconds:.0f} | "
                         f"{flops / seconds / 1e9:.1f} | {ratio:.2f}x |")
        breakdowns.append((name, breakdown))
        print("\n".join(lines[-len(medians):]), flush=True)
    lines += ["", "\"numba speed-up\" is the implementation's time over minicnn-numba's: above 1 means "
              "minicnn-numba is faster.", "",
              "### Per-layer breakdown (median ms, from `model.trace`)", ""]
    for name, breakdown in breakdowns:
        lines += [f"**{name}**", "", "| layer | numba fwd | numba bwd | numpy fwd | numpy bwd |",
                  "| --- | --- | --- | --- | --- |"]
        for (layer, f1, b1), (_, f2, b2) in zip(breakdown["numba"], breakdown["numpy"]):
            lines.append(f"| {layer} | {f1:.2f} | {b1:.2f} | {f2:.2f} | {b2:.2f} |")
        lines.append("")
    import_s, first_step_s = first_use_seconds()
    lines += ["### Start-up and memory", "",
              f"- `import minicnn`: {import_s:.2f} s; first training step in a fresh process "
              f"(numba kernels loaded from the on-disk cache): {first_step_s:.2f} s."]
    for name in args.workloads:
        peak, cols, growth = memory_profile(name)
        lines.append(f"- {name}: peak traced memory of a step {peak / 2**20:.1f} MiB, its im2col "
                     f"buffers {cols / 2**20:.1f} MiB (ratio {peak / cols:.2f}); growth over 30 "
                     f"steps {growth / 2**10:.1f} KiB.")
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
