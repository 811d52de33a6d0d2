"""The duplicate finder: exact copies, near copies (the same picture saved again), what counts
as a leak from training into test, and `minicnn duplicates DIR`."""
import os

import numpy as np
import pytest
from PIL import Image

from minicnn.apps.cli import main
from minicnn.preprocessing.duplicates import (copies_between, copies_of, correlations,
                                             find_duplicates, fingerprints)


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


# -- copies between two folders ---------------------------------------------------------------
@pytest.fixture
def two_sets(tmp_path, rng):
    """Folder one: train/x (3 pictures) and test/y (2); folder two: a/ holds one of x's
    pictures resized and re-encoded as JPEG (a near copy), b/ one of y's pictures unchanged
    (an exact copy) and an unrelated picture."""
    pictures = [smooth_picture(rng, 64) for _ in range(6)]
    one = {"train/x/0.png": pictures[0], "train/x/1.png": pictures[1], "train/x/2.png": pictures[2],
           "test/y/3.png": pictures[3], "test/y/4.png": pictures[4]}
    for name, picture in one.items():
        os.makedirs(tmp_path / "one" / os.path.dirname(name), exist_ok=True)
        Image.fromarray(picture).save(tmp_path / "one" / name)
    for folder in ("a", "b"):
        os.makedirs(tmp_path / "two" / folder)
    Image.fromarray(pictures[1]).resize((48, 56), Image.Resampling.BILINEAR).save(
        tmp_path / "two" / "a" / "resized.jpg", quality=85)
    Image.fromarray(pictures[3]).save(tmp_path / "two" / "b" / "same.png")
    Image.fromarray(pictures[5]).save(tmp_path / "two" / "b" / "other.png")
    return tmp_path / "one", tmp_path / "two"


def test_copies_between_two_folders_counted_per_class(two_sets):
    one, two = two_sets
    found = copies_between(str(one), str(two))
    matches = {a: (b, r) for a, b, r in found.matches()}
    assert set(matches) == {"train/x/1.png", "test/y/3.png"}
    assert matches["train/x/1.png"][0] == "a/resized.jpg" and matches["train/x/1.png"][1] < 0.9999
    assert matches["test/y/3.png"] == ("b/same.png", pytest.approx(1.0))
    assert found.exact == [("test/y/3.png", ["b/same.png"])]
    by_class = found.by_class()
    assert by_class["x"]["images"] == 3 and by_class["x"]["matched"] == 1
    assert by_class["x"]["matched_in"] == {"a": 1} and by_class["x"]["exact"] == 0
    of_y = [k for k, name in enumerate(found.names_a) if name.startswith("test/y/")]
    assert by_class["y"] == {"images": 2, "matched": 1, "exact": 1, "matched_in": {"b": 1},
                             "median_best": pytest.approx(float(np.median(found.r[of_y])))}
    # at a threshold no unrelated pair reaches, only the exact copy stays
    assert [m[0] for m in copies_between(str(one), str(two), threshold=0.99999).matches()] == \
        ["test/y/3.png"]
    with pytest.raises(ValueError, match="copies_between: threshold"):
        copies_between(str(one), str(two), threshold=0)


def test_the_duplicates_command_with_two_folders(two_sets, capsys):
    one, two = two_sets
    assert main(["duplicates", str(one), str(two)]) == 0
    out = capsys.readouterr().out
    assert "x: 1 of 3 have a copy in the second (a 1)" in out
    assert "test/y/3.png = b/same.png" in out and "train/x/1.png ~ a/resized.jpg" in out
    assert "a copy at >= 0.95" in out                    # the default between two folders
    assert main(["duplicates", str(one), str(two / "nowhere")]) == 2
    assert "nowhere: no such folder" in capsys.readouterr().err


SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "chest-xray-pneumonia", "test"))
                    or not os.path.isdir(os.path.join(SHARED, "covid19-dataset", "test")),
                    reason="the covid and Kermany sets live in ../shared/data")
def test_the_covid_sets_normal_and_pneumonia_films_are_kermanys():
    """docs/data.md's finding on the test splits (the whole sets take ten seconds): the covid
    set's Normal and Pneumonia test films are Kermany's test films; its Covid films are not."""
    found = copies_between(os.path.join(SHARED, "covid19-dataset", "test"),
                           os.path.join(SHARED, "chest-xray-pneumonia", "test"))
    counts = found.by_class()
    assert counts["Normal"]["matched"] >= 18 and counts["Normal"]["matched_in"].keys() == {"NORMAL"}
    assert counts["Pneumonia"]["matched"] >= 16 and counts["Pneumonia"]["matched_in"].keys() == {"PNEUMONIA"}
    assert counts["Covid"]["matched"] == 0 and counts["Covid"]["median_best"] < 0.85
