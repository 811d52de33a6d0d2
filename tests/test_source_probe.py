"""The source probe's features, its linear classifier, its cross-validation per pair of
classes, and every pair's accuracy from a model's probabilities."""
import numpy as np
import pytest

from minicnn.apps.shortcut_learning import source_probe as sp
from minicnn.apps.shortcut_learning.pairs import class_pairs, pair_accuracies


def test_the_features_say_what_they_measure():
    film = np.zeros((1, 32, 32, 1), dtype=np.uint8)
    film[0, :4] = 255                                   # a bright top border band (1/8 of rows)
    film[0, 12:20, 8:24] = 200                          # a bright body in the middle
    thumbnail = sp.thumbnail(film).reshape(8, 8)
    np.testing.assert_allclose(thumbnail[0], 1.0)
    np.testing.assert_allclose(thumbnail[3, 2:6], 200 / 255, rtol=1e-6)
    assert sp.border_cells(film).shape == (1, 28)
    np.testing.assert_allclose(sp.border_cells(film)[0, :8], 1.0)
    histogram = sp.film_histogram(film)[0]
    assert histogram.sum() == pytest.approx(1) and histogram[31] == pytest.approx(4 / 32)
    border = sp.border_histogram(film, 0.125)[0]        # the band: 4 rows and columns each side
    assert border[31] == pytest.approx(32 * 4 / (32 * 32 - 24 * 24))
    shape = sp.silhouette(film)[0]
    assert shape.shape == (39,)
    top, bottom, left, right, width, height = shape[-6:]
    assert (top, bottom, left, right) == (0, 20 / 32, 0, 1)   # the band and the body are bright
    assert width == 1 and height == pytest.approx(20 / 32)
    assert {name: f(np.repeat(film, 3, axis=3)).shape[1] for name, f in sp.FEATURES.items()} == \
        {"thumbnail": 64, "border cells": 28, "border histogram": 32, "film histogram": 32,
         "silhouette": 39}


def test_otsu_splits_two_groups_between_them(rng):
    low, high = rng.normal(50, 5, 500), rng.normal(200, 5, 300)
    assert low.max() < sp.otsu_threshold(np.concatenate([low, high])) < high.min()


def test_pair_accuracies_choose_between_two_classes_only():
    labels = np.array([0, 0, 1, 2, 2])
    probabilities = np.array([[0.2, 0.1, 0.7],     # class 0: against 1 right, against 2 wrong
                              [0.5, 0.4, 0.1],     # right against both
                              [0.6, 0.3, 0.1],     # class 1: wrong against 0, right against 2
                              [0.3, 0.4, 0.3],     # class 2: a tie with 0 counts as wrong
                              [0.1, 0.2, 0.7]])
    assert class_pairs(["a", "b", "c"]) == [(0, 1, "a-vs-b"), (0, 2, "a-vs-c"), (1, 2, "b-vs-c")]
    found = pair_accuracies(labels, probabilities, ["a", "b", "c"])
    assert found == {"a-vs-b": {"accuracy": 2 / 3, "samples": 3},
                     "a-vs-c": {"accuracy": 2 / 4, "samples": 4},
                     "b-vs-c": {"accuracy": 2 / 3, "samples": 3}}
    kept = pair_accuracies(labels, probabilities, ["a", "b", "c"], kept=[False, True, True, True, True])
    assert kept["a-vs-c"] == {"accuracy": 2 / 3, "samples": 3}
    with pytest.raises(ValueError, match="probabilities must be"):
        pair_accuracies(labels, probabilities[:3], ["a", "b", "c"])


def films_with_a_source(rng, count=60, size=32):
    """Three classes: classes 0 and 1 share a dark border (one source), class 2 has a bright
    one (another); the middle is noise for all. Only 'class 2 against the rest' can be told."""
    labels = np.arange(count) % 3
    images = rng.integers(0, 256, (count, size, size, 1)).astype(np.uint8)
    border = ~np.pad(np.ones((size - 8, size - 8), bool), 4)
    images[:, border] = np.where(labels == 2, 220, 40)[:, None, None] + \
        rng.integers(-10, 10, (count, border.sum(), 1))
    return images, labels


def test_the_probe_tells_the_source_and_not_what_the_source_does_not_carry(rng):
    images, labels = films_with_a_source(rng)
    found = sp.source_probe(images, labels, ["a", "b", "c"], groups=np.arange(len(labels)),
                            features={"border cells": sp.border_cells}, fold_seeds=(0,))
    probe = found["border cells"]
    assert probe["dims"] == 28 and set(probe) == {"dims", "all classes", "a-vs-b", "a-vs-c", "b-vs-c"}
    assert probe["a-vs-c"]["accuracy"] == 1.0 and probe["b-vs-c"]["accuracy"] == 1.0
    assert probe["a-vs-b"]["accuracy"] < 0.75 and probe["a-vs-b"]["chance"] == 0.5
    assert 0.55 < probe["all classes"]["accuracy"] < 0.8     # c, and a or b by chance
    test_images, test_labels = films_with_a_source(rng, 30)
    scored = sp.probe_on_test(images, labels, test_images, test_labels, ["a", "b", "c"],
                              features={"border cells": sp.border_cells},
                              kept=np.arange(30) >= 3)["border cells"]
    assert scored["recall"]["c"] == 1.0 and scored["pairs"]["a-vs-c"]["accuracy"] == 1.0
    assert scored["pairs"]["a-vs-b"]["accuracy"] < 0.8 and scored["accuracy_without_copies"] is not None


def test_fit_probe_is_minicnns_dense_layer_with_a_penalty(rng):
    x = rng.normal(size=(40, 3))
    labels = (x[:, 0] > 0).astype(np.int64)
    probe = sp.fit_probe(x, labels, 2)
    assert [type(layer).__name__ for layer in probe.model.layers] == ["Dense"]
    assert probe.model.layers[0].kernel_regularizer is not None
    assert (probe.predict(x).argmax(axis=1) == labels).mean() >= 0.95
    again = sp.fit_probe(x, labels, 2)
    np.testing.assert_array_equal(probe.predict(x), again.predict(x))   # seeded: reproducible
