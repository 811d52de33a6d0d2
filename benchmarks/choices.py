"""The measurements behind the fast ops' choices: each rule the code states (and
its comments cite RESULTS.md for), measured against the alternative it rejects.

    python benchmarks/choices.py [--repeats 15] [--only NAME ...]

Every row compares two ways in the same process, interleaved, and gives medians
and their ratio; run it on a quiet machine (and read the busy section of
train_step.py for the rest). The sections:

- blocks:     convolution by image blocks vs whole-batch im2col, per conv layer of
              the lessons' models (ops/fast: by_image_blocks)
- epilogue:   the fast rung's bias+ReLU op vs the pure op and the ReLU as a pass of
              its own (ops/fast: conv2d_relu_forward, which the fast step's plan takes)
- fused:      each Conv2D(relu) + MaxPooling2D of the lessons' models as the fused op,
              both ways (direct kernels, matrix products), vs the two layers' own ops
              (ops/fast/conv_pool.py: by_direct)
- chunk:      the direct kernels' chunk of z numbers kept in the L1 cache
              (ops/fast/direct.py: CHUNK_NUMBERS)
- wide:       the wide backward as sums over the winners alone vs two matrix products
              per block (ops/fast/wide.py; the products are in rejected_kernels.py)
- wakeup:     a loop split over two threads vs kept on the calling thread, by size
              (parallel/pool.py: PARALLEL_MIN_WORK)
- narrow:     the weight-gradient product with few columns on two threads vs one
              (ops/fast/im2col.py: matmul_tn)
- nans:       max-pooling with the NaN rule in the inner loop vs the two-pass way
              (ops/fast/pooling.py)
- rowviews:   a numba copy through row views vs 2-D indexing (ops/fast/image_blocks.py)
- halves:     the training step on two halves vs each op split over two threads, and a
              small model split vs whole (parallel/halves.py: MIN_BATCH,
              MIN_MULTIPLY_ADDS)
- allocator:  the fast step's page faults and time as it is (its large arrays kept
              per shape, ops/fast/buffers.py) vs with glibc told to keep freed blocks,
              the process-wide setting minicnn used to make, in fresh processes
"""
import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import minicnn
from minicnn.layers import Conv2D
from minicnn.ops import fast
from minicnn.ops.fast import im2col as whole_batch
from minicnn.ops.fast import pooling
from minicnn.parallel import pool
from minicnn.parallel.blas import one_blas_thread
from results_file import RESULTS, append_section
from train_step import WORKLOADS, machine, minicnn_model


def median_ms(function, repeats):
    function()  # warm-up (compilation, buffers)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def interleaved(functions, repeats):
    """{name: median ms}, the functions timed in turn, round after round."""
    for function in functions.values():
        function()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            samples[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(v) for name, v in samples.items()}


@contextlib.contextmanager
def threads(n):
    before = minicnn.get_num_threads()
    minicnn.set_num_threads(n)
    try:
        yield
    finally:
        minicnn.set_num_threads(before)


def conv_layers(name):
    """(batch, [(label, x, Conv2D layer)]) of a workload: each conv layer with its real input."""
    batch, shape, spec = WORKLOADS[name]
    model = minicnn_model(spec, shape)
    x = np.random.default_rng(0).standard_normal((batch,) + shape).astype(np.float32)
    found = []
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            found.append((f"{name} {layer.name}", x, layer))
        x = layer.forward(x)
    return batch, found


def section_blocks(repeats):
    rows = ["| layer | output | filters | image blocks ms (fwd+bwd) | im2col ms | im2col / blocks | "
            "the rule picks |", "| --- | --- | --- | --- | --- | --- | --- |"]
    with threads(1):
        for workload in ("xray", "galaxy", "mnist"):
            _, layers = conv_layers(workload)
            for label, x, layer in layers:
                def step(blocks, layer=layer, x=x):
                    original = fast.by_image_blocks
                    fast.by_image_blocks = lambda filters, out_w: blocks
                    try:
                        y = layer.forward(x)
                        layer.backward(np.ones_like(y))
                    finally:
                        fast.by_image_blocks = original
                times = interleaved({"blocks": lambda: step(True), "im2col": lambda: step(False)},
                                    repeats)
                out_h, out_w, f = layer.output_shape
                picks = "blocks" if fast.by_image_blocks(f, out_w) else "im2col"
                rows.append(f"| {label} | {out_h}x{out_w} | {f} | {times['blocks']:.2f} | "
                            f"{times['im2col']:.2f} | {times['im2col'] / times['blocks']:.2f} | "
                            f"{picks} |")
    return ["### Convolution: image blocks vs whole-batch im2col (one thread)", "",
            "Forward and backward (with the input gradient) of each conv layer of the lessons' "
            "models on its real input size, both ways forced. Above 1 in the ratio column: "
            "blocks faster. `by_image_blocks`: at most 8 filters and output rows of 32+ pixels.",
            ""] + rows


def section_epilogue(repeats):
    rows = ["| layer | fused ms (fwd+bwd) | separate passes ms | separate / fused |",
            "| --- | --- | --- | --- |"]
    with threads(1):
        for workload in ("xray", "galaxy", "mnist"):
            _, layers = conv_layers(workload)
            label, x, layer = layers[0]
            w, b = layer.params["W"], layer.params["b"]

            def fused():
                y, cache = fast.conv2d_relu_forward(x, w, b, layer.strides, layer.pads)
                fast.conv2d_relu_backward(np.ones_like(y), cache, False)

            def separate():
                z, cache = fast.conv2d_forward(x, w, b, layer.strides, layer.pads)
                y = np.maximum(z, 0)
                grad_z = np.ones_like(y) * (y > 0)
                fast.conv2d_backward(grad_z, cache, False)
            times = interleaved({"fused": fused, "separate": separate}, repeats)
            rows.append(f"| {label} | {times['fused']:.2f} | {times['separate']:.2f} | "
                        f"{times['separate'] / times['fused']:.2f} |")
    return ["### ReLU and bias in the pass that writes the output vs passes of their own", "",
            "The first conv layer of each workload, one thread, no input gradient (as in "
            "training): the fast rung's bias+ReLU op (the fast step's plan takes it for a "
            "Conv2D(relu) no pooling follows), against the pure op and NumPy's ReLU forward "
            "and backward as two more passes (what the layer does in predict).", ""] + rows


def pool_pairs(name):
    """(batch, [(label, x, conv, pool)]) of a workload: each Conv2D + MaxPooling2D pair
    with its real input."""
    batch, shape, spec = WORKLOADS[name]
    model = minicnn_model(spec, shape)
    x = np.random.default_rng(0).standard_normal((batch,) + shape).astype(np.float32)
    found = []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Conv2D) and i + 1 < len(model.layers):
            found.append((f"{name} {layer.name}", x, layer, model.layers[i + 1]))
        x = layer.forward(x)
    return batch, found


def section_fused(repeats):
    from minicnn.ops.fast import buffers, conv_pool
    rows = ["| layer | kh*kw*C | direct ms (fwd+bwd) | matrix products ms | the layers' ops ms "
            "| the rule picks |", "| --- | --- | --- | --- | --- | --- |"]
    with threads(1):
        for workload in ("xray", "galaxy", "mnist"):
            _, pairs = pool_pairs(workload)
            for index, (label, x, conv, pool_layer) in enumerate(pairs):
                w, b = conv.params["W"], conv.params["b"]
                input_grad = index > 0
                kept = {"direct": buffers.Buffers(), "wide": buffers.Buffers()}

                def fused(way):
                    p, cache = conv_pool.forward(x, w, b, conv.strides, conv.pads,
                                                 pool_layer.pool_size, pool_layer.pads,
                                                 kept[way], lambda shape: way == "direct")
                    conv_pool.backward(np.ones_like(p), cache, input_grad)

                def layers():
                    y = pool_layer.forward(conv.forward(x))
                    conv.backward(pool_layer.backward(np.ones_like(y)), input_grad=input_grad)
                times = interleaved({"direct": lambda: fused("direct"),
                                     "wide": lambda: fused("wide"), "layers": layers}, repeats)
                taps = w.shape[0] * w.shape[1] * w.shape[2]
                picks = "direct" if conv_pool.by_direct(w.shape) else "matrix products"
                rows.append(f"| {label} | {taps} | {times['direct']:.2f} | {times['wide']:.2f} | "
                            f"{times['layers']:.2f} | {picks} |")
    return ["### Conv2D(relu) + MaxPooling2D: the fused op's two ways and the layers' own ops",
            "", "Forward and backward of each pair of the lessons' models on its real input, one "
            "thread (no input gradient for a first layer, as in training). `by_direct`: the "
            f"direct kernels up to {conv_pool.DIRECT_MAX_TAPS} multiply-adds per output.",
            ""] + rows


def section_chunk(repeats):
    from minicnn.ops.fast import buffers, conv_pool, direct
    sizes = (512, 1024, 2048, 4096, 8192)
    rows = ["| layer | " + " | ".join(f"{n} ms" for n in sizes) + " |",
            "| --- |" + " --- |" * len(sizes)]
    before = direct.CHUNK_NUMBERS
    with threads(1):
        for workload in ("xray", "galaxy", "mnist"):
            _, pairs = pool_pairs(workload)
            label, x, conv, pool_layer = pairs[0]

            def forward(numbers, x=x, conv=conv, pool_layer=pool_layer):
                direct.CHUNK_NUMBERS = numbers  # the geometry is made again: new buffers
                conv_pool.forward(x, conv.params["W"], conv.params["b"], conv.strides,
                                  conv.pads, pool_layer.pool_size, pool_layer.pads,
                                  kept[numbers])
            kept = {n: buffers.Buffers() for n in sizes}
            try:
                times = interleaved({n: lambda n=n: forward(n) for n in sizes}, repeats)
            finally:
                direct.CHUNK_NUMBERS = before
            rows.append(f"| {label} | " + " | ".join(f"{times[n]:.3f}" for n in sizes) + " |")
    return ["### The direct kernels' chunk of z in the L1 cache", "",
            f"Forward of each workload's first layer, one thread, by CHUNK_NUMBERS (numbers of "
            f"z per chunk: filters x positions; the code has {before}).", ""] + rows


def section_wide(repeats):
    from minicnn.ops.fast import buffers, conv_pool
    from rejected_kernels import dense_wide_backward
    rows = ["| layer | sums over the winners ms | two matrix products ms | products / sums |",
            "| --- | --- | --- | --- |"]
    with threads(1):
        for workload in ("mnist", "galaxy"):
            _, pairs = pool_pairs(workload)
            label, x, conv, pool_layer = pairs[1]
            p, cache = conv_pool.forward(x, conv.params["W"], conv.params["b"], conv.strides,
                                         conv.pads, pool_layer.pool_size, pool_layer.pads,
                                         buffers.Buffers(), lambda shape: False)
            grad = np.random.default_rng(1).standard_normal(p.shape).astype(np.float32)
            with one_blas_thread():
                times = interleaved({"sums": lambda: conv_pool.backward(grad, cache, True),
                                     "products": lambda: dense_wide_backward(grad, cache, True)},
                                    repeats)
            rows.append(f"| {label} | {times['sums']:.2f} | {times['products']:.2f} | "
                        f"{times['products'] / times['sums']:.2f} |")
    return ["### The wide backward: sums over the winners vs two matrix products", "",
            "The backward (with the input gradient) of the second layer of the MNIST and galaxy "
            "models, whole batch, one thread. The sums (ops/fast/wide.py) do a quarter of the "
            "multiply-adds, each an axpy of kh*kw*C numbers; the products (rejected_kernels.py) "
            "run near the CPU's peak.", ""] + rows


def section_wakeup(repeats):
    rows = ["| images (28x28x32) | work (elements) | calling thread ms | two threads ms | "
            "one / two |", "| --- | --- | --- | --- | --- |"]
    rng = np.random.default_rng(0)
    for n in (1, 2, 4, 8, 16, 32, 64):
        x = rng.standard_normal((n, 28, 28, 32)).astype(np.float32)

        def run(count):
            pool.PARALLEL_MIN_WORK, before = 0, pool.PARALLEL_MIN_WORK
            try:
                with threads(count):
                    whole_batch.im2col(x, 3, 3, 1, 1, 26, 26)
            finally:
                pool.PARALLEL_MIN_WORK = before
        times = interleaved({"one": lambda: run(1), "two": lambda: run(2)}, repeats)
        rows.append(f"| {n} | {x.size:,} | {times['one']:.3f} | {times['two']:.3f} | "
                    f"{times['one'] / times['two']:.2f} |")
    return ["### When a second thread pays for its wake-up", "",
            f"im2col (3x3) of n images of 28x28x32, on the calling thread or cut into pieces for "
            f"two threads (the threshold forced off). parallel/pool.py keeps work under "
            f"PARALLEL_MIN_WORK = {pool.PARALLEL_MIN_WORK:,} elements on the calling thread.",
            ""] + rows


def section_narrow(repeats):
    rows = ["| product | one thread ms | two threads ms | one / two |", "| --- | --- | --- | --- |"]
    rng = np.random.default_rng(0)
    for m, k, f in ((32 * 63 * 63, 27, 8), (8 * 84 * 84, 25, 5), (64 * 26 * 26, 9, 32),
                    (64 * 11 * 11, 288, 64)):
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((m, f)).astype(np.float32)

        def run(count):
            with threads(count):
                pool.parallel_sum(len(a), lambda start, stop: a[start:stop].T @ b[start:stop],
                                  a.size * f // pool.MULTIPLY_ADDS_PER_ELEMENT)
        times = interleaved({"one": lambda: run(1), "two": lambda: run(2)}, repeats)
        rows.append(f"| ({m} x {k}).T @ ({m} x {f}) | {times['one']:.3f} | {times['two']:.3f} | "
                    f"{times['one'] / times['two']:.2f} |")
    return ["### The weight gradient's product, a sum over rows, on one thread or two", "",
            "cols.T @ dz with the row sums split over two threads and added, against one thread. "
            "matmul_tn splits only products with 32+ columns.", ""] + rows


def section_nans(repeats):
    rows = ["| input | channels | one pass, NaN rule inside ms | two passes (rule only after a "
            "NaN) ms | inside / two passes |", "| --- | --- | --- | --- | --- |"]
    rng = np.random.default_rng(0)
    with threads(1):
        for shape in ((8, 84, 84, 5), (32, 63, 63, 8), (64, 26, 26, 32)):
            x = rng.standard_normal(shape).astype(np.float32)
            oh, ow = shape[1] // 2, shape[2] // 2
            y = np.empty((shape[0], oh, ow, shape[3]), np.float32)
            where = np.empty(y.shape, np.int32)
            scan = pooling._maxpool_channels_inner if shape[3] >= 8 else \
                pooling._maxpool_window_inner
            times = interleaved({
                "inside": lambda: scan(x, 2, 2, 2, 2, True, y, where),
                "two": lambda: pooling.maxpool_forward(x, 2, 2, 2, 2, oh, ow)}, repeats)
            rows.append(f"| {shape} | {shape[3]} | {times['inside']:.3f} | {times['two']:.3f} | "
                        f"{times['inside'] / times['two']:.2f} |")
    return ["### Max-pooling's NaN rule: in the inner loop, or a second pass only after a NaN",
            "", "2x2 max-pooling, one thread, an input without NaN (the usual case).", ""] + rows


def section_rowviews(repeats):
    from numba import njit

    @njit(cache=False, nogil=True)
    def indexed(x, out):
        n, h, w = x.shape
        for b in range(n):
            for r in range(h):
                for q in range(w):
                    out[b, r, q] = x[b, r, q]

    @njit(cache=False, nogil=True)
    def row_views(x, out):
        n, h, w = x.shape
        for b in range(n):
            for r in range(h):
                source, target = x[b, r], out[b, r]
                for q in range(w):
                    target[q] = source[q]
    x = np.random.default_rng(0).standard_normal((32, 27, 4032)).astype(np.float32)
    out = np.empty_like(x)
    times = interleaved({"indexed": lambda: indexed(x, out), "views": lambda: row_views(x, out)},
                        repeats)
    return ["### numba loops: 3-D indexing in the inner loop vs row views", "",
            "A copy of 32 x 27 x 4,032 float32 (the galaxy first layer's unfolded taps), one "
            "thread.", "", "| way | ms |", "| --- | --- |",
            f"| x[b, r, q] in the inner loop | {times['indexed']:.2f} |",
            f"| row views x[b, r][q] | {times['views']:.2f} |",
            f"| indexed / views | {times['indexed'] / times['views']:.2f} |"]


def section_halves(repeats):
    from minicnn.parallel import halves
    rows = ["| workload | whole, ops split over 2 threads ms | two halves on 2 threads ms | "
            "whole / halves |",
            "| --- | --- | --- | --- |"]
    for workload in ("mnist", "galaxy"):
        batch, shape, spec = WORKLOADS[workload]
        model = minicnn_model(spec, shape)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch,) + shape).astype(np.float32)
        y = rng.integers(0, spec[-1][1], batch)

        def whole():
            with threads(2):
                model.train_step(x, y)  # the textbook step: its ops split their loops

        def split():
            with threads(2):
                halves.train_step(model, x, y)

        # Not measured: the halves with each op split further. On two threads both halves
        # hold the pool's threads, and a piece submitted from inside one would wait for a
        # free thread forever (this benchmark hung when it tried); pool.py runs loops whole
        # inside run_together for that reason.
        times = interleaved({"whole": whole, "split": split}, repeats)
        rows.append(f"| {workload} (batch {batch}) | {times['whole']:.2f} | {times['split']:.2f} "
                    f"| {times['whole'] / times['split']:.2f} |")
    small = minicnn.Sequential([minicnn.layers.Flatten(), minicnn.layers.Dense(3)],
                               input_shape=(8, 8, 1))
    small.compile("sgd", minicnn.losses.SparseCategoricalCrossentropy(from_logits=True))
    xs = np.random.default_rng(1).standard_normal((64, 8, 8, 1)).astype(np.float32)
    ys = np.zeros(64, int)

    def small_split():
        with threads(2):
            halves.gradients_in_halves(small, small.prepare_input(xs), ys, None, 32)

    def small_whole():
        with threads(2):
            small.train_step(xs, ys)
    times = interleaved({"whole": small_whole, "split": small_split}, repeats)
    return ["### The training step on two halves vs each op split over two threads", "",
            "Quiet machine, two threads. Whole: Sequential.train_step, whose fast ops cut their "
            "loops into pieces for two threads; halves: parallel/halves.py (one thread launch "
            "per step). Each op split further inside the halves is not measured: on two threads "
            "it would wait forever for a free thread (pool.py: nothing nests).", ""] + rows + [
            "", f"A Flatten + Dense(3) model, batch 64 (a few thousand multiply-adds): whole "
                f"{times['whole']:.3f} ms, forward and backward as two halves alone "
                f"{times['split']:.3f} ms: below MIN_MULTIPLY_ADDS = "
                f"{halves.MIN_MULTIPLY_ADDS:,} a batch is computed whole."]


ALLOCATOR_CHILD = """
import ctypes, resource, sys, time
import numpy as np
sys.path.insert(0, {here!r})
if {keep}:  # the process-wide setting minicnn made before its arrays were kept per shape
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 32 << 20)
    libc.mallopt(-1, 64 << 20)
import minicnn
from train_step import WORKLOADS, minicnn_model
batch, shape, spec = WORKLOADS[{name!r}]
model = minicnn_model(spec, shape)
rng = np.random.default_rng(0)
x = rng.standard_normal((batch,) + shape).astype(np.float32)
y = rng.integers(0, spec[-1][1], batch)
minicnn.set_num_threads({threads})
for _ in range(10):
    model.train_on_batch(x, y)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
start = time.perf_counter()
for _ in range(40):
    model.train_on_batch(x, y)
print((time.perf_counter() - start) / 40, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / 40)
"""


def section_allocator(repeats):
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for name in ("mnist", "xray", "galaxy"):
        for threads in (1, 2):
            samples = {"as is": [], "kept": []}
            for _ in range(max(3, repeats // 5)):
                for label in samples:
                    code = ALLOCATOR_CHILD.format(here=here, threads=threads, name=name,
                                                  keep=label == "kept")
                    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                         text=True, check=True)
                    samples[label].append(tuple(float(v) for v in out.stdout.split()))
            medians = {label: [statistics.median(v) for v in zip(*values)]
                       for label, values in samples.items()}
            (as_is, faults), (kept, kept_faults) = medians["as is"], medians["kept"]
            rows.append(f"| {name} | {threads} | {1000 * as_is:.2f} | {faults:.0f} | "
                        f"{1000 * kept:.2f} | {kept_faults:.0f} | {as_is / kept:.2f} |")
    return ["### Page faults of the fast step, without and with glibc keeping freed blocks", "",
            "Fresh processes, alternated; 40 steps after 10 of warm-up. 'as is': minicnn "
            "changes no allocator setting (its large arrays are kept per shape); 'kept': "
            "the process first tells glibc's malloc to keep freed blocks of up to 32 MiB, the "
            "process-wide setting minicnn made before.", "",
            "| workload | threads | as is ms | page faults per step | kept ms | page faults | "
            "as is / kept |", "| --- | --- | --- | --- | --- | --- | --- |"] + rows


SECTIONS = {"blocks": section_blocks, "epilogue": section_epilogue, "fused": section_fused,
            "chunk": section_chunk, "wide": section_wide, "wakeup": section_wakeup,
            "narrow": section_narrow, "nans": section_nans, "rowviews": section_rowviews,
            "halves": section_halves, "allocator": section_allocator}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    minicnn.set_ops("numba")
    lines = ["## The measurements behind the fast ops' choices", "",
             f"Machine: {machine()}. `python benchmarks/choices.py --repeats {args.repeats}`: "
             f"medians, each comparison interleaved in one process.", ""]
    for name in args.only:
        lines += SECTIONS[name](args.repeats) + [""]
        print("\n".join(lines[-12:]), flush=True)
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
