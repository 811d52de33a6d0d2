"""Whole training epochs as a user runs them: minicnn and PyTorch, one and default threads.

    python benchmarks/epoch.py [--shared ../shared/data] [--epochs 3] [--out benchmarks/RESULTS.md]

Two recipes:
- covid: the X-ray project's recipe (minicnn.apps.projects.xray) on the Codecademy
  covid set: 256x256 grayscale, the lesson's augmentation, 80/20 training and
  validation split of its 251 training images, batch 32, Adam.
- mnist: the keras.io "Simple MNIST convnet": conv 32, pool, conv 64, pool,
  flatten, dropout 0.5, dense 10 softmax; batch 128, Adam, validation_split 0.1
  of the 60,000 training images.

Each recipe runs ``--epochs`` epochs per configuration; the table gives the
median seconds of the epochs after the first (the first compiles and warms
caches). The PyTorch twin of the MNIST recipe (same layers, same batch, same
split; arrays already in memory for both) is timed in the same run when
PyTorch is installed. The thread count is switched at run time:
``minicnn.set_num_threads`` and ``torch.set_num_threads``.
"""
import argparse
import gzip
import os
import statistics
import time

import numpy as np

import minicnn
from minicnn.training.callbacks import Callback
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.apps.projects import xray
from results_file import RESULTS, append_section
from train_step import machine

try:
    import torch
except ImportError:
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_THREADS = minicnn.get_num_threads()


class EpochClock(Callback):
    def __init__(self):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def after_first(seconds):
    return statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist_arrays(shared):
    folder = os.path.join(shared, "mnist")
    names = sorted(os.listdir(folder))
    images = next(n for n in names if "train-images" in n)
    labels = next(n for n in names if "train-labels" in n)
    x = read_idx(os.path.join(folder, images)).astype(np.float32)[..., None] / 255
    y = read_idx(os.path.join(folder, labels)).astype(np.int64)
    return x, y


def minicnn_mnist(x, y, epochs):
    minicnn.set_seed(0)
    model = minicnn.Sequential([
        Conv2D(32, 3, activation="relu"), MaxPool2D(2), Conv2D(64, 3, activation="relu"),
        MaxPool2D(2), Flatten(), Dropout(0.5), Dense(10, activation="softmax")],
        input_shape=(28, 28, 1))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    clock = EpochClock()
    model.fit(x, np.eye(10, dtype=np.float32)[y], batch_size=128, epochs=epochs,
              validation_split=0.1, verbose=0, callbacks=[clock])
    return clock.seconds


def torch_mnist(x, y, epochs):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                          nn.Linear(1600, 10))
    optimizer = torch.optim.Adam(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    split = int(len(x) * 0.9)  # Keras's validation_split: the last 10%
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(split)
        for i in range(0, split, 128):
            batch = order[i:i + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for i in range(split, len(x), 128):  # validation loss and accuracy, as Keras reports
                out = model(xt[i:i + 128])
                loss_fn(out, yt[i:i + 128]).item()
                (out.argmax(1) == yt[i:i + 128]).float().mean().item()
        seconds.append(time.perf_counter() - start)
    return seconds


def minicnn_covid(folder, epochs):
    minicnn.set_seed(0)
    train, validation, _ = xray.load_data(folder, batch_size=32, seed=0, verbose=0)
    model = xray.build_model(train.num_classes)
    model.compile(minicnn.optimizers.Adam(0.001), "categorical_crossentropy",
                  metrics=["accuracy"])
    clock = EpochClock()
    model.fit(train, epochs=epochs, validation_data=validation, verbose=0, callbacks=[clock])
    return clock.seconds, train.samples, validation.samples


def with_threads(n, run):
    minicnn.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    try:
        return run()
    finally:
        minicnn.set_num_threads(DEFAULT_THREADS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared", "data"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    torch_default = torch.get_num_threads() if torch is not None else None

    lines = ["## Whole epochs: the covid recipe and the keras.io MNIST convnet", "",
             f"Machine: {machine()}. Quiet machine.", "",
             f"`python benchmarks/epoch.py --epochs {args.epochs}`: median seconds per epoch "
             f"after the first of {args.epochs}; validation included. Default threads: "
             f"minicnn {DEFAULT_THREADS}, PyTorch {torch_default}.", "",
             "| recipe | implementation | threads | s/epoch (after the first) | first epoch s |",
             "| --- | --- | --- | --- | --- |"]
    covid = os.path.join(args.shared, "covid19-dataset")
    if os.path.isdir(covid):
        for threads in (1, DEFAULT_THREADS):
            seconds, n_train, n_val = with_threads(threads,
                                                   lambda: minicnn_covid(covid, args.epochs))
            lines.append(f"| covid ({n_train} train + {n_val} validation images) | minicnn | "
                         f"{threads} | {after_first(seconds):.3f} | {seconds[0]:.2f} |")
            print(lines[-1], flush=True)
    else:
        print(f"skipping the covid recipe: {covid} not found")
    if os.path.isdir(os.path.join(args.shared, "mnist")):
        x, y = mnist_arrays(args.shared)
        runs = [("minicnn", minicnn_mnist)] + ([("pytorch", torch_mnist)] if torch else [])
        for threads in (1, DEFAULT_THREADS):
            for name, run in runs:
                seconds = with_threads(threads, lambda: run(x, y, args.epochs))
                lines.append(f"| mnist convnet (54,000 train + 6,000 validation) | {name} | "
                             f"{threads} | {after_first(seconds):.2f} | {seconds[0]:.2f} |")
                print(lines[-1], flush=True)
    else:
        print("skipping the MNIST recipe: no mnist folder")
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
