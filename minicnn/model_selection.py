"""train_test_split with scikit-learn's semantics and, for the same random_state,
its very split (the same draws of NumPy's RandomState, in the same order)."""
import math

import numpy as np

from minicnn.seeding import make_rng


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True,
                     stratify=None):
    """Split arrays (same first dimension) into train and test parts:
    [a_train, a_test, b_train, b_test, ...].

    test_size / train_size: a float in (0, 1) (a fraction: test rounds up, train
    down) or an int (a count); test_size defaults to 0.25 when neither is given.
    random_state: an int, a RandomState, or None (then minicnn's generator,
    so set_seed makes it repeatable; NumPy's global state is not touched).
    stratify: labels whose class proportions both parts keep.
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    n = len(arrays[0])
    for i, array in enumerate(arrays[1:], 1):
        if len(array) != n:
            raise ValueError(f"train_test_split: array 0 has {n} samples but array {i} has "
                             f"{len(array)}")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("train_test_split: stratify needs shuffle=True (as in scikit-learn)")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    else:
        rng = _random_state(random_state)
        if stratify is None:
            permutation = rng.permutation(n)
            test, train = permutation[:n_test], permutation[n_test:n_test + n_train]
        else:
            train, test = _stratified(np.asarray(stratify), n_train, n_test, rng)
    return [part for array in arrays for part in (_take(array, train), _take(array, test))]


def _random_state(random_state):
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if random_state is None:
        random_state = int(make_rng().integers(2**32))
    return np.random.RandomState(random_state)


def _split_sizes(n, test_size, train_size):
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, (float, np.floating)) and not 0 < size < 1:
            raise ValueError(f"train_test_split: {name}={size} should be a float in (0, 1) or a "
                             f"count smaller than the {n} samples")
        if isinstance(size, (int, np.integer)) and not 0 < size < n:
            raise ValueError(f"train_test_split: {name}={size} should be positive and smaller "
                             f"than the number of samples {n}")
    n_test = (math.ceil(test_size * n) if isinstance(test_size, (float, np.floating))
              else test_size)
    n_train = (math.floor(train_size * n) if isinstance(train_size, (float, np.floating))
               else train_size)
    if n_train is None:
        n_train = n - n_test
    elif n_test is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(f"train_test_split: train_size + test_size = {n_train + n_test} "
                         f"samples, more than the {n} there are")
    if n_train == 0:
        raise ValueError(f"train_test_split: with {n} samples and test_size={test_size}, the "
                         f"training part would be empty")
    return int(n_train), int(n_test)


def _stratified(labels, n_train, n_test, rng):
    """scikit-learn's StratifiedShuffleSplit, first split: per class, counts by the
    approximate mode of the hypergeometric, members drawn by a permutation."""
    if labels.ndim == 2:
        labels = np.array([" ".join(row.astype("str")) for row in labels])
    classes, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"train_test_split: the least populated classes in stratify have only "
                         f"1 member: {classes[counts < 2].tolist()}")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError(f"train_test_split: train ({n_train}) and test ({n_test}) must each "
                         f"hold at least one sample of each of the {len(classes)} classes")
    members = np.split(np.argsort(index, kind="stable"), np.cumsum(counts)[:-1])
    train_counts = _approximate_mode(counts, n_train, rng)
    test_counts = _approximate_mode(counts - train_counts, n_test, rng)
    train, test = [], []
    for k in range(len(classes)):
        shuffled = members[k].take(rng.permutation(counts[k]), mode="clip")
        train.extend(shuffled[:train_counts[k]])
        test.extend(shuffled[train_counts[k]:train_counts[k] + test_counts[k]])
    return rng.permutation(train), rng.permutation(test)


def _approximate_mode(counts, draws, rng):
    """Draws per class: the proportional share rounded down, then one more for
    the classes with the largest remainders (ties broken at random)."""
    continuous = counts / counts.sum() * draws
    floored = np.floor(continuous)
    need = int(draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (tied,) = np.where(remainder == value)
            chosen = rng.choice(tied, size=min(len(tied), need), replace=False)
            floored[chosen] += 1
            need -= len(chosen)
            if need == 0:
                break
    return floored.astype(int)


def _take(array, index):
    if isinstance(array, np.ndarray):
        return array[index]
    if isinstance(array, list):
        return [array[i] for i in index]
    return np.asarray(array)[index]
