"""The duplicate finder: exact copies, near copies (the same picture saved again), what counts
as a leak from training into test, and `minicnn duplicates DIR`."""
import os

import numpy as np
import pytest
from PIL import Image

from minicnn.apps.cli import main
from minicnn.preprocessing.duplicates import copies_of, correlations, find_duplicates, fingerprints


def smooth_picture(rng, size=64):
    """A picture with structure at every scale (an X-ray is not white noise)."""
    small = rng.random((size // 8, size // 8)) * 255
    return np.asarray(Image.fromarray(small.astype(np.float32), "F").resize(
        (size, size), Image.Resampling.BICUBIC)).clip(0, 255).astype(np.uint8)


@pytest.fixture
def data(tmp_path, rng):
    """train/ and test/ class folders: test/a/copy.png is train/a/0.png, test/a/brighter.png is
    train/a/1.png brightened (a near copy), test/b/other.png copies nothing; train/b holds an
    exact pair of its own."""
    pictures = [smooth_picture(rng) for _ in range(5)]
    files = {"train/a/0.png": pictures[0], "train/a/1.png": pictures[1], "train/b/2.png": pictures[2],
             "train/b/2again.png": pictures[2], "test/a/copy.png": pictures[0],
             "test/a/brighter.png": np.clip(pictures[1] * 1.1 + 12, 0, 255).astype(np.uint8),
             "test/b/other.png": pictures[3], "test/b/also_other.png": pictures[4]}
    for name, picture in files.items():
        os.makedirs(tmp_path / os.path.dirname(name), exist_ok=True)
        Image.fromarray(picture).save(tmp_path / name)
    return tmp_path


def test_exact_and_near_copies_and_the_leaks(data):
    found = find_duplicates(str(data))
    assert sorted(map(sorted, found.exact)) == [["test/a/copy.png", "train/a/0.png"],
                                                ["train/b/2.png", "train/b/2again.png"]]
    assert [sorted(pair[:2]) for pair in found.near] == [["test/a/brighter.png", "train/a/1.png"]]
    assert found.near[0][2] > 0.99
    assert found.copies_across() == ["test/a/copy.png"]
    assert found.near_copies_across() == ["test/a/brighter.png"]
    text = "\n".join(found.report())
    assert "across splits" in text and "train/b/2.png = train/b/2again.png" in text
    assert "test/b/other.png" not in text


def test_fingerprints_ignore_brightness_and_contrast_but_not_content(rng):
    a, b = smooth_picture(rng), smooth_picture(rng)
    prints = fingerprints(np.stack([a, np.clip(a * 0.8 + 20, 0, 255), b]))
    r = correlations(prints)
    assert r[0, 1] > 0.999 and r[0, 2] < 0.9
    assert np.all(fingerprints(np.zeros((1, 8, 8))) == 0)   # a flat image: no division by 0


def test_copies_of_among_arrays(rng):
    train = np.stack([smooth_picture(rng) for _ in range(3)])[..., None]
    test = np.stack([train[1], np.clip(train[2].astype(int) + 5, 0, 255).astype(np.uint8),
                     smooth_picture(rng)[..., None]])
    exact, near = copies_of(test, train)
    assert exact.tolist() == [True, False, False] and near.tolist() == [False, True, False]


def test_the_duplicates_command(data, capsys):
    assert main(["duplicates", str(data)]) == 0
    out = capsys.readouterr().out
    assert "2 groups of exact copies" in out and "test/a/copy.png" in out
    assert main(["duplicates", str(data / "nowhere")]) == 2
    assert "nowhere: no such folder" in capsys.readouterr().err
    assert main(["duplicates", str(data), "--threshold", "1.5"]) == 2
    assert "--threshold" in capsys.readouterr().err
