"""Is fit's per-step cost flat over a long epoch? Times each step of one 2,000-step
epoch of a tiny model (so that bookkeeping, not arithmetic, dominates) with
accuracy and AUC tracked, and compares steps 1,900-2,000 with steps 100-200.

    python benchmarks/step_overhead.py
"""
import statistics
import time

import numpy as np

import minicnn
from minicnn.training.callbacks import Callback
from minicnn.layers import Dense, Flatten
from results_file import append_section


class StepTimes(Callback):
    def on_train_begin(self, logs=None):
        self.stamps = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32 * 2000, 4, 4, 1)).astype(np.float32)
    y = rng.integers(0, 3, len(x))
    model = minicnn.Sequential([Flatten(), Dense(3, activation="softmax")], input_shape=(4, 4, 1))
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy", "auc"])
    timer = StepTimes()
    model.fit(x, y, batch_size=32, epochs=1, verbose=1, callbacks=[timer])
    steps = np.diff(timer.stamps) * 1e6
    early, late = statistics.median(steps[100:200]), statistics.median(steps[1900:2000])
    lines = ["## fit's per-step cost over a 2,000-step epoch", "",
             "`python benchmarks/step_overhead.py`: a Flatten + Dense(3) model, batch 32, metrics "
             "accuracy and AUC, progress bar on; median microseconds per step.", "",
             f"- steps 100-200: {early:.0f} us; steps 1,900-2,000: {late:.0f} us; "
             f"ratio {late / early:.2f} (target <= 1.1)."]
    print("\n".join(lines))
    append_section(lines)


if __name__ == "__main__":
    main()
