"""How close each layer's forward and backward come to the physical floor, one thread:
minicnn's fast training step (its fused ops, parallel/plan.py) beside PyTorch's.

    python benchmarks/floors.py [--rounds 9] [--calls 10] [--workloads xray galaxy mnist]

The floor of a layer and direction is max(FLOPs / peak, minimal bytes / bandwidth),
with this core's peak and bandwidth measured here first: the best single-thread sgemm
rate over a few sizes (NumPy's BLAS), and the best copy rate of a 64 MiB array (bytes
read plus bytes written per second).
- FLOPs: 2 x the multiply-adds a dense computation needs. A convolution counts only
  the outputs some pooling window reads; its backward counts dW and, except for the
  first layer (training needs no gradient of the images), the input gradient. (The
  fused backward's sums over the windows' winners can need fewer.)
- minimal bytes: what the direction must read and write once: the input, the
  weights and the output forward; the output's gradient, the input, the weights'
  gradient and the input gradient backward (4 bytes a number).
"fraction" is floor / time. minicnn's units are the layers of the fast step's view
(a Conv2D with ReLU and its MaxPooling2D are one fused unit), each timed as the step
runs it; PyTorch's the same layers (Conv2d, ReLU, MaxPool2d; Linear), forward and
then autograd's backward, on the same input shapes. Both take the median over rounds
of the mean of --calls calls, the two interleaved. Results are appended to
benchmarks/results/floors.json; docs/speed.md quotes them.
"""
import argparse
import statistics
import time

import numpy as np

import minicnn
from minicnn.layers import Dense
from minicnn.parallel import plan
from minicnn.parallel.blas import one_blas_thread
from results_data import append_run
from train_step import WORKLOADS, machine, minicnn_model

try:
    import torch
except ImportError:
    torch = None


def peak_gflops(repeats=5):
    """The best single-thread float32 sgemm rate over a few sizes, GFLOP/s."""
    best = 0.0
    with one_blas_thread():
        for n in (256, 512, 1024, 2048):
            a, b = (np.random.default_rng(0).random((n, n), dtype=np.float32) for _ in range(2))
            out = np.empty_like(a)
            for _ in range(repeats):
                start = time.perf_counter()
                np.matmul(a, b, out=out)
                best = max(best, 2 * n ** 3 / (time.perf_counter() - start) / 1e9)
    return best


def bandwidth_gbs(repeats=10):
    """The best copy rate of a 64 MiB float32 array: (bytes read + written) / s, GB/s."""
    source = np.ones(1 << 24, np.float32)
    target = np.empty_like(source)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        best = max(best, 2 * source.nbytes / (time.perf_counter() - start) / 1e9)
    return best


def unit_cost(layer, batch, first):
    """(forward FLOPs, forward bytes, backward FLOPs, backward bytes) of a view layer."""
    number = 4
    if isinstance(layer, plan.StandIn):
        conv = layer.conv
        kh, kw, c, f = conv.params["W"].shape
        if isinstance(layer, plan.ConvPool):
            (ph, pw), (pooled_h, pooled_w, _) = layer.pool.pool_size, layer.output_shape
            outputs = min(pooled_h * ph, conv.output_shape[0]) * min(
                pooled_w * pw, conv.output_shape[1])  # the conv outputs some window reads
        else:
            outputs = conv.output_shape[0] * conv.output_shape[1]
        macs = batch * outputs * kh * kw * c * f
        weights = conv.params["W"].size + f
    elif isinstance(layer, Dense):
        macs = batch * layer.params["W"].size
        weights = layer.params["W"].size + layer.units
    else:
        return 0, 0, 0, 0
    x = batch * int(np.prod(layer.input_shape))
    y = batch * int(np.prod(layer.output_shape))
    forward = (2 * macs, number * (x + weights + y))
    backward = (2 * macs * (1 if first else 2),
                number * (y + x + weights + (0 if first else x)))
    return forward + backward


def torch_unit(layer):
    """PyTorch's module for a view layer (NCHW), or None for a Flatten."""
    nn = torch.nn
    if isinstance(layer, plan.StandIn):
        conv = layer.conv
        kh, kw, c, f = conv.params["W"].shape
        if any(conv.pads):
            raise ValueError(f"floors.py: {conv.name} pads; the lessons' layers do not")
        parts = [nn.Conv2d(c, f, (kh, kw), stride=conv.strides), nn.ReLU()]
        if isinstance(layer, plan.ConvPool):
            parts.append(nn.MaxPool2d(layer.pool.pool_size))
        return nn.Sequential(*parts)
    if isinstance(layer, Dense):
        parts = [nn.Linear(layer.params["W"].shape[0], layer.units)]
        return nn.Sequential(*(parts + [nn.ReLU()] if layer.activation == "relu" else parts))
    return None


def mean_seconds(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def time_units(name, rounds, calls):
    """[(layer, first, {"minicnn": (fwd s, bwd s), "pytorch": (fwd s, bwd s)})] per view layer."""
    batch, shape, spec = WORKLOADS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, spec[-1][1], batch)
    model = minicnn_model(spec, shape)
    minicnn.set_num_threads(1)
    model.train_on_batch(x, y)  # compiles, builds the plan
    view = plan.for_model(model).view(model, 0)
    inputs, h = [], x
    for layer in view.layers:
        inputs.append(h)
        h = layer.forward(h, training=True)
    lowest = view.first_with_parameters()
    results = []
    for i, layer in enumerate(view.layers):
        if not layer.params:
            continue
        first = i == lowest
        x_in = inputs[i]
        out = layer.forward(x_in, training=True)
        grad = rng.standard_normal(out.shape).astype(np.float32)

        def ours_forward(layer=layer, x_in=x_in):
            layer.forward(x_in, training=True)

        def ours_backward(layer=layer, grad=grad, first=first):
            layer.backward(grad, input_grad=not first)
        samples = {"minicnn": ([], [])}
        module = torch_unit(layer) if torch is not None else None
        if module is not None:
            torch.set_num_threads(1)
            xt = torch.from_numpy(np.ascontiguousarray(
                x_in.transpose(0, 3, 1, 2) if x_in.ndim == 4 else x_in)).requires_grad_(not first)
            gt = torch.from_numpy(np.ascontiguousarray(
                grad.transpose(0, 3, 1, 2) if grad.ndim == 4 else grad))
            wanted = list(module.parameters()) + ([xt] if not first else [])
            graph = {}

            def theirs_forward(module=module, xt=xt):
                graph["out"] = module(xt)

            def theirs_backward(gt=gt, wanted=wanted):
                torch.autograd.grad(graph.pop("out"), wanted, gt)
            samples["pytorch"] = ([], [])
        with one_blas_thread():
            for _ in range(rounds + 1):  # the first round warms up
                ours_forward()
                forward = mean_seconds(ours_forward, calls)
                backward = 0.0
                for _ in range(calls):  # each backward after its own forward
                    ours_forward()
                    start = time.perf_counter()
                    ours_backward()
                    backward += time.perf_counter() - start
                samples["minicnn"][0].append(forward)
                samples["minicnn"][1].append(backward / calls)
                if module is None:
                    continue
                forward = mean_seconds(theirs_forward, calls)
                backward = 0.0
                for _ in range(calls):
                    theirs_forward()
                    start = time.perf_counter()
                    theirs_backward()
                    backward += time.perf_counter() - start
                samples["pytorch"][0].append(forward)
                samples["pytorch"][1].append(backward / calls)
        medians = {who: tuple(statistics.median(v[1:]) for v in pair)
                   for who, pair in samples.items()}
        results.append((layer, first, medians))
    minicnn.set_num_threads(minicnn.parallel.pool._default_threads())
    return batch, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--workloads", nargs="+", default=["xray", "galaxy", "mnist"])
    args = parser.parse_args()
    peak, bandwidth = peak_gflops(), bandwidth_gbs()
    print(f"peak sgemm {peak:.1f} GFLOP/s, copy bandwidth {bandwidth:.1f} GB/s (one thread)")
    workloads = {}
    for name in args.workloads:
        batch, results = time_units(name, args.rounds, args.calls)
        rows = []
        print(f"\n{name} (batch {batch}): ms; fraction = floor / time")
        print(f"{'layer':26s} {'dir':4s} {'GFLOP':>7s} {'MB':>6s} {'floor':>7s} {'minicnn':>8s}"
              f" {'frac':>5s} {'pytorch':>8s} {'frac':>5s}")
        for layer, first, medians in results:
            costs = unit_cost(layer, batch, first)
            for d, direction in enumerate(("fwd", "bwd")):
                flops, size = costs[2 * d], costs[2 * d + 1]
                floor = max(flops / (peak * 1e9), size / (bandwidth * 1e9))
                ours = medians["minicnn"][d]
                theirs = medians["pytorch"][d] if "pytorch" in medians else None
                label = f"{type(layer).__name__} {layer.name}"
                rows.append({"layer": label, "direction": direction, "flops": flops,
                             "bytes": size, "floor_ms": 1e3 * floor, "minicnn_ms": 1e3 * ours,
                             "pytorch_ms": None if theirs is None else 1e3 * theirs})
                print(f"{label:26s} {direction:4s} {flops / 1e9:7.3f} {size / 1e6:6.2f} "
                      f"{1e3 * floor:7.3f} {1e3 * ours:8.3f} {floor / ours:5.2f} "
                      + (f"{1e3 * theirs:8.3f} {floor / theirs:5.2f}" if theirs else "     n/a"))
        workloads[name] = {"batch": batch, "units": rows}
    append_run("floors", {"machine": machine(), "rounds": args.rounds, "calls": args.calls,
                          "peak_gflops": peak, "bandwidth_gbs": bandwidth,
                          "workloads": workloads})


if __name__ == "__main__":
    main()
