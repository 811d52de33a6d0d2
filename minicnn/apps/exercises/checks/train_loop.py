"""The check of exercise 9's training loop.

    losses = train(model, x, y, epochs, batch_size, rng, step)

watched through the ``step`` it is given, which trains nothing and records every
batch (x[i] = i, so a batch shows which samples it holds): each epoch must see
every sample once, in a new random order, with x and y kept together, and the
loop returns each epoch's mean loss.
"""
import numpy as np

from minicnn import Sequential
from minicnn.apps.exercises.calling import Call, array, returned
from minicnn.apps.exercises.verdict import failure, passed
from minicnn.layers import Dense

N, BATCH_SIZE, EPOCHS = 10, 4, 3


class Recorder:
    """A step that trains nothing and records which samples each batch held."""

    def __init__(self):
        self.batches = []

    def __call__(self, model, x, y):
        ids = np.asarray(x)[:, 0].astype(int)
        self.batches.append((ids, np.asarray(y)))
        return float(ids.mean()), np.zeros((len(ids), 3))


def check_train(train, name="train"):
    model = Sequential([Dense(3, activation="softmax")], input_shape=(1,))
    x, y = np.arange(N, dtype=np.float64)[:, None], (np.arange(N) * 7) % 3  # x[i] = i
    step = Recorder()
    call = Call(train, name, {"model": model, "x": x, "y": y, "epochs": EPOCHS,
                              "batch_size": BATCH_SIZE, "rng": np.random.default_rng(0),
                              "step": step}, shown=("epochs", "batch_size"))
    losses = array(call, "losses", returned(call, call(), ("losses",)))
    per_epoch = -(-N // BATCH_SIZE)
    problem = loop_problem(step.batches, y, losses, per_epoch)
    if problem:
        raise failure(name, f"On {call.text()}, with N = {N} samples (x[i] = i, so each "
                      f"batch shows which samples it held)", [problem])
    passed(name, f"{EPOCHS} epochs of {N} samples in batches of {BATCH_SIZE}",
           extra="Every epoch saw every sample once, shuffled anew")


def loop_problem(batches, y, losses, per_epoch):
    """What is wrong with the batches a loop made, or None."""
    sizes = [len(ids) for ids, _ in batches]
    if len(batches) == EPOCHS * (N // BATCH_SIZE) and all(s == BATCH_SIZE for s in sizes):
        return (f"the last {N % BATCH_SIZE} samples of every epoch were left out: "
                f"the last batch may be smaller than batch_size (range(0, N, batch_size)).")
    if len(batches) != EPOCHS * per_epoch:
        return (f"step was called {len(batches)} times; {EPOCHS} epochs of {N} samples in "
                f"batches of {BATCH_SIZE} take {EPOCHS * per_epoch} steps "
                f"(batch sizes {sizes}).")
    if max(sizes) > BATCH_SIZE:
        return f"a batch held {max(sizes)} samples, more than batch_size={BATCH_SIZE}."
    epochs = [np.concatenate([ids for ids, _ in batches[e * per_epoch:(e + 1) * per_epoch]])
              for e in range(EPOCHS)]
    for e, order in enumerate(epochs):
        if sorted(order) != list(range(N)):
            return (f"epoch {e + 1} saw samples {sorted(order.tolist())}: every sample once, "
                    f"each epoch (draw one permutation of range(N) per epoch).")
    for ids, labels in batches:
        if not np.array_equal(labels, y[ids]):
            return ("a batch's y does not belong to its x: x and y were shuffled apart. "
                    "Index both with the same permutation: x[order], y[order].")
    if all(np.array_equal(order, np.arange(N)) for order in epochs):
        return "the samples came in their original order: shuffle them (rng.permutation(N))."
    if all(np.array_equal(order, epochs[0]) for order in epochs):
        return ("every epoch had the same order: draw a new permutation from rng at "
                "every epoch (a generator made anew with the same seed repeats itself).")
    batch_losses = np.array([ids.mean() for ids, _ in batches]).reshape(EPOCHS, per_epoch)
    weights = np.array(sizes).reshape(EPOCHS, per_epoch)
    means = [batch_losses.mean(axis=1), (batch_losses * weights).sum(axis=1) / N]
    if losses.shape == (EPOCHS * per_epoch,):
        return (f"it returned {len(losses)} losses, one per step: return one per epoch, "
                f"the mean of its steps' losses.")
    if losses.shape == (EPOCHS,) and np.allclose(losses, batch_losses[:, -1]):
        return (f"it returned {np.round(losses, 4).tolist()}, the loss of each epoch's last "
                f"step; return the mean of all its steps' losses, "
                f"{np.round(means[0], 4).tolist()}.")
    if losses.shape != (EPOCHS,) or not any(np.allclose(losses, m) for m in means):
        return (f"it returned {np.round(losses, 4).tolist()}; the mean loss of each epoch's "
                f"steps is {np.round(means[0], 4).tolist()}: return one mean per epoch.")
    return None
