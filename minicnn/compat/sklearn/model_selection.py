"""train_test_split, KFold and StratifiedKFold with scikit-learn's semantics and, for
the same random_state, its very splits (the same draws of NumPy's RandomState, in
the same order)."""
import math
import warnings

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


class KFold:
    """scikit-learn's KFold: n_splits consecutive folds (the first n % n_splits one
    sample larger), each the test set once; with shuffle, the indices are shuffled
    first (by NumPy's RandomState(random_state), as scikit-learn).

        for train_index, test_index in KFold(5, shuffle=True, random_state=1).split(x):
            model.fit(x[train_index], y[train_index]) ...

    split yields (train indices, test indices), each sorted.
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = _check_folds(type(self).__name__, n_splits, shuffle, random_state)
        self.shuffle, self.random_state = shuffle, random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def split(self, X, y=None, groups=None):
        n = _check_samples(type(self).__name__, self.n_splits, X)
        indices = np.arange(n)
        if self.shuffle:
            _random_state(self.random_state).shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[:n % self.n_splits] += 1
        for start, stop in zip(np.cumsum(sizes) - sizes, np.cumsum(sizes)):
            test = np.zeros(n, dtype=bool)
            test[indices[start:stop]] = True
            yield np.flatnonzero(~test), np.flatnonzero(test)

    def __repr__(self):
        return (f"{type(self).__name__}(n_splits={self.n_splits}, random_state="
                f"{self.random_state!r}, shuffle={self.shuffle})")


class StratifiedKFold(KFold):
    """scikit-learn's StratifiedKFold: folds that keep each class's share of y.

    The classes, in order of first appearance in y, are dealt round-robin over
    the sorted labels to decide how many of each go to each fold; each class's
    samples then take their folds in order (shuffled per class with shuffle,
    by NumPy's RandomState(random_state), as scikit-learn does).
    """

    def split(self, X, y, groups=None):
        n = _check_samples(type(self).__name__, self.n_splits, X)
        folds = self._test_folds(np.asarray(y), n)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)

    def _test_folds(self, y, n):
        owner = type(self).__name__
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"{owner}: y must be class labels, one per sample (shape (n,)); got "
                             f"shape {y.shape} (for one-hot rows, pass y.argmax(axis=1))")
        if len(y) != n:
            raise ValueError(f"{owner}: X has {n} samples but y has {len(y)}")
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(f"{owner}: y holds continuous values; stratified folds need class "
                             f"labels")
        rng = _random_state(self.random_state)
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        by_appearance = np.argsort(np.argsort(first))  # class rank by first appearance
        labels = by_appearance[inverse.reshape(-1)]
        counts = np.bincount(labels)
        if np.all(self.n_splits > counts):
            raise ValueError(f"{owner}: n_splits={self.n_splits} cannot be greater than the "
                             f"number of members in each class (largest class: {counts.max()})")
        if self.n_splits > counts.min():
            warnings.warn(f"{owner}: the least populated class in y has only {counts.min()} "
                          f"members, which is less than n_splits={self.n_splits}", stacklevel=3)
        ordered = np.sort(labels)
        allocation = np.array([np.bincount(ordered[i::self.n_splits], minlength=len(counts))
                               for i in range(self.n_splits)])
        folds = np.empty(len(y), dtype=np.int64)
        for k in range(len(counts)):
            for_class = np.arange(self.n_splits).repeat(allocation[:, k])
            if self.shuffle:
                rng.shuffle(for_class)
            folds[labels == k] = for_class
        return folds


def _check_folds(owner, n_splits, shuffle, random_state):
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)):
        raise ValueError(f"{owner}: the number of folds must be an int, got {n_splits!r}")
    if n_splits <= 1:
        raise ValueError(f"{owner}: k-fold cross-validation needs n_splits=2 or more, got "
                         f"n_splits={n_splits}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"{owner}: shuffle must be True or False; got {shuffle!r}")
    if not shuffle and random_state is not None:
        raise ValueError(f"{owner}: setting a random_state has no effect since shuffle is "
                         f"False; leave random_state to its default (None), or set shuffle=True")
    return int(n_splits)


def _check_samples(owner, n_splits, X):
    n = len(X)
    if n_splits > n:
        raise ValueError(f"{owner}: cannot have n_splits={n_splits} greater than the number of "
                         f"samples: n_samples={n}")
    return n


def _take(array, index):
    """The rows ``index`` of an array, a list, or a pandas DataFrame or Series (which
    stay DataFrames and Series, with their index, as scikit-learn keeps them)."""
    if isinstance(array, np.ndarray):
        return array[index]
    if isinstance(array, list):
        return [array[i] for i in index]
    if hasattr(array, "iloc"):  # pandas, without importing it: rows by position
        return array.iloc[index]
    return np.asarray(array)[index]
