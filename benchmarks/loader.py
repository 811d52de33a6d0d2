"""Loader throughput on the covid X-ray set, against training speed on it.

    python benchmarks/loader.py [--data ../shared/data/covid19-dataset] [--passes 3]

Measures images/s for one epoch of flow_from_directory with the X-ray
script's augmentation (decode + grayscale + resize 256x256 + zoom, rotation,
shifts + rescale), cold (decoding every epoch) and with cache=True, and with
the fast and the textbook ops; then the images/s of train_on_batch on the same batches
with the X-ray model. Medians over passes; one thread.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import minicnn  # noqa: E402
from minicnn.preprocessing import ImageDataGenerator  # noqa: E402
from minicnn.apps.projects import xray  # noqa: E402
from results_file import RESULTS, append_section  # noqa: E402


def epoch_seconds(iterator):
    start = time.perf_counter()
    for i in range(len(iterator)):
        iterator[i]
    iterator.on_epoch_end()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data",
                                                       "covid19-dataset"))
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    train_dir = os.path.join(args.data, "train")
    if not os.path.isdir(train_dir):
        raise SystemExit(f"{train_dir}: not found; pass --data DIR with train/<class>/ images")

    generator = ImageDataGenerator(**xray.AUGMENTATION)
    results = {}
    for ops in ("numba", "numpy"):
        minicnn.set_ops(ops)
        for cache in (False, True):
            it = generator.flow_from_directory(train_dir, target_size=(256, 256),
                                               color_mode="grayscale", batch_size=32, seed=0,
                                               cache=cache, verbose=False)
            epoch_seconds(it)  # warm-up: JIT, and filling the cache
            times = [epoch_seconds(it) for _ in range(args.passes)]
            results[(ops, cache)] = it.samples / statistics.median(times)
    minicnn.set_ops("numba")
    it = generator.flow_from_directory(train_dir, target_size=(256, 256), color_mode="grayscale",
                                       batch_size=32, seed=0, cache=True, verbose=False)
    batches = [it[i] for i in range(len(it))]
    model = xray.build_model(num_classes=it.num_classes)
    model.compile("adam", "categorical_crossentropy", [])
    model.train_on_batch(*batches[0])
    times = []
    for _ in range(args.passes):
        start = time.perf_counter()
        for x, y in batches:
            model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    train_rate = it.samples / statistics.median(times)

    lines = ["## Loader throughput on the covid X-ray set", "",
             f"`python benchmarks/loader.py --passes {args.passes}`: one epoch of the {it.samples} "
             "training images, 256x256 grayscale, batch 32, with the X-ray script's augmentation "
             "(zoom 0.1, rotation 25, shifts 0.05, rescale); median over passes; one thread. "
             "\"x training\" is the loader's images/s over train_on_batch's on the same batches: "
             "above 1, loading an epoch takes less time than training on it.", "",
             "| loader | images/s | x training |", "| --- | --- | --- |"]
    for (ops, cache), rate in results.items():
        label = f"{ops} ops, {'cached (cache=True)' if cache else 'decoding every epoch'}"
        lines.append(f"| {label} | {rate:.0f} | {rate / train_rate:.2f} |")
    lines.append(f"| training (train_on_batch, X-ray model) | {train_rate:.0f} | 1.00 |")
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
