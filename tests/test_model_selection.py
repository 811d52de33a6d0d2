"""train_test_split: scikit-learn's semantics, and its very splits (fixture from scikit-learn)."""
import json
import os

import numpy as np
import pytest

from minicnn.compat.sklearn.model_selection import train_test_split

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "sklearn_train_test_split.json")


def test_the_same_splits_as_scikit_learn():
    with open(FIXTURE) as file:
        fixture = json.load(file)
    x, labels = np.arange(50), np.repeat([0, 1, 2], [25, 15, 10])
    for case in fixture["cases"]:
        kwargs = dict(case["kwargs"])
        if kwargs.get("stratify") == "labels":
            kwargs["stratify"] = labels
        elif kwargs.get("stratify") == "one-hot":
            kwargs["stratify"] = np.eye(3)[labels]
        train, test = train_test_split(x, **kwargs)
        assert train.tolist() == case["train"] and test.tolist() == case["test"], case["kwargs"]


def test_several_arrays_lists_and_errors():
    x, y = np.arange(20).reshape(10, 2), list("abcdefghij")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0)
    assert x_train.shape == (7, 2) and x_test.shape == (3, 2) and len(y_test) == 3
    assert isinstance(y_train, list) and [y[i // 2] for i in x_test[:, 0]] == y_test
    with pytest.raises(ValueError, match="array 1 has 9"):
        train_test_split(x, y[:9])
    with pytest.raises(ValueError, match="test_size=1.5"):
        train_test_split(x, test_size=1.5)
    with pytest.raises(ValueError, match="only 1 member"):
        train_test_split(x, stratify=[0] * 9 + [1], random_state=0)
