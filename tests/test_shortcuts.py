"""The shortcut checks: the band, occlusion and the border swap against models whose answer is
known (one reads only the border, one only the centre), the border-only probe's folds and
cross-validation, Grad-CAM's band share, the report's reliance profile and pairs, and the
README, docs/data.md and notebook 07 against the measured figures
(benchmarks/results/shortcuts_covid.json)."""
import importlib.util
import json
import os
import re

import numpy as np
import pytest

import minicnn
from minicnn import Sequential, shortcuts
from minicnn.layers import Dense, Flatten
from minicnn.apps.projects import xray
from minicnn.apps.shortcut_learning import band as band_module

ROOT = os.path.join(os.path.dirname(__file__), "..")


# -- the band ---------------------------------------------------------------------------------
def test_band_geometry_and_black_out():
    assert shortcuts.band_width(256, 0.125) == 32
    region = shortcuts.band_region(256, 256, 0.125)
    assert region.mean() == pytest.approx(0.4375)           # 1 - (192 / 256)^2
    assert region[31, 128] and not region[32, 128] and region[128, 224] and not region[128, 223]
    images = np.arange(2 * 8 * 8 * 1, dtype=np.float32).reshape(2, 8, 8, 1) + 1
    centre_only = shortcuts.black_out(images, 0.25, "band")
    band_only = shortcuts.black_out(images, 0.25, "centre")
    np.testing.assert_array_equal(centre_only + band_only, images)   # the two parts, no overlap
    assert np.all(centre_only[:, :2] == 0) and np.all(band_only[:, 2:6, 2:6] == 0)
    assert np.all(images > 0)                                        # the input is not changed
    one = shortcuts.BandMask(0.25, keep="centre")(images[0])
    np.testing.assert_array_equal(one, centre_only[0])
    np.testing.assert_array_equal(shortcuts.BandMask(0.25, keep="band")(images[0]), band_only[0])


@pytest.mark.parametrize("call,words", [
    (lambda: shortcuts.band_width(256, 0.5), "fraction must be a number in \\(0, 0.5\\)"),
    (lambda: shortcuts.black_out(np.zeros((4, 4, 1)), 0.1, "edges"), "part must be"),
    (lambda: shortcuts.BandMask(0.1, keep="lungs"), "keep must be"),
    (lambda: shortcuts.black_out(np.zeros((4, 4)), 0.1, "band"), "got shape"),
])
def test_band_errors_name_the_argument(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# -- models whose answer is known -------------------------------------------------------------
class Reader:
    """A stand-in model that reads one part of each image: its class is 0, 1 or 2 as the mean
    of that part lies below 0.3, between, or above 0.6 (images rescaled to 0..1)."""

    def __init__(self, part, fraction=0.125):
        self.part, self.fraction, self.metadata = part, fraction, {"rescale": 1 / 255}
        self.output_shape = (3,)

    def predict(self, x, batch_size=None):
        region = shortcuts.band_region(x.shape[1], x.shape[2], self.fraction)
        where = region if self.part == "band" else ~region
        level = x[:, where, 0].mean(axis=1)
        return np.eye(3)[np.digitize(level, [0.3, 0.6])]


def films(rng, count=6, size=32, fraction=0.125):
    """uint8 images of three classes: class k has band and centre at grey level (k + 0.5) / 3,
    with noise; labels 0, 1, 2 in turn."""
    labels = np.arange(count) % 3
    level = (labels + 0.5) / 3 * 255
    images = level[:, None, None, None] + rng.normal(0, 5, (count, size, size, 1))
    return np.clip(images, 0, 255).astype(np.uint8), labels


def test_occlusion_and_swap_tell_a_border_reader_from_a_centre_reader(rng):
    images, labels = films(rng)
    donors, donor_labels = films(rng, 30)
    border, centre = Reader("band"), Reader("centre")
    looked = {name: shortcuts.occlusion(model, images, labels, 0.125)
              for name, model in (("border", border), ("centre", centre))}
    assert looked["border"]["clean"] == looked["centre"]["clean"] == 1.0
    assert looked["border"]["centre_blacked"] == 1.0 and looked["border"]["band_blacked"] < 0.5
    assert looked["centre"]["band_blacked"] == 1.0 and looked["centre"]["centre_blacked"] < 0.5
    swapped = shortcuts.border_swap(border, images, labels, donors, donor_labels, 0.125)
    assert swapped["donor"] == 1.0 and swapped["own"] == 0.0 and swapped["control_own"] == 1.0
    assert swapped["composites"] == 6 * 2 * 5 and swapped["control_composites"] == 6 * 5
    ignored = shortcuts.border_swap(centre, images, labels, donors, donor_labels, 0.125)
    assert ignored["own"] == 1.0 and ignored["donor"] == 0.0 and ignored["control_unchanged"] == 1.0
    assert shortcuts.follows_the_border(swapped, 3) == 1.0
    assert "reads the film's border" in shortcuts.reading(swapped, 3)
    assert "does not steer" in shortcuts.reading(ignored, 3)
    assert "no pasted border can reach it" in shortcuts.reading(ignored, 3, masked=True)
    leaked = np.array([True, False, False, False, False, False])
    assert "without_leaked" in shortcuts.occlusion(border, images, labels, 0.125, leaked=leaked)


def test_the_swap_draws_the_same_donors_and_leaves_out_near_copies(rng):
    images, labels = films(rng, 3)
    donors, donor_labels = films(rng, 12)
    donors[0] = images[0]                   # a copy of test image 0 among its class's donors
    border = Reader("band")
    first = shortcuts.border_swap(border, images, labels, donors, donor_labels, 0.125, per_class=10)
    again = shortcuts.border_swap(border, images, labels, donors, donor_labels, 0.125, per_class=10)
    assert first == again
    # 4 donors per class; image 0 loses its copy from its own class's pool: 3 + 4 + 4 controls
    assert first["control_composites"] == 3 + 4 + 4


def test_inputs_for_applies_the_model_files_rescale_and_mask():
    images = np.full((1, 16, 16, 1), 200, dtype=np.uint8)
    plain = Reader("band")
    np.testing.assert_allclose(shortcuts.inputs_for(plain)(images), 200 / 255)
    plain.metadata = {"rescale": 1 / 255, "sees": "centre", "band": 0.25}
    masked = shortcuts.inputs_for(plain)(images)[0, :, :, 0]
    assert masked[0, 0] == 0 and masked[8, 8] == pytest.approx(200 / 255)


# -- the probe --------------------------------------------------------------------------------
def test_folds_are_stratified_and_keep_copies_together(rng):
    images, labels = films(rng, 30)
    images[3] = images[0]                                  # an exact copy
    images[7] = np.clip(images[1].astype(int) + 3, 0, 255)  # a near copy (brighter)
    groups = shortcuts.duplicate_groups(images)
    assert groups[3] == groups[0] and groups[7] == groups[1] and len(set(groups)) == 28
    fold = shortcuts.stratified_group_folds(labels, groups, folds=5, seed=0)
    assert fold[3] == fold[0] and fold[7] == fold[1]
    for k in range(3):
        counts = np.bincount(fold[labels == k], minlength=5)
        assert counts.max() - counts.min() <= 2


class DenseRecipe:
    """A recipe small enough for a test: Flatten and Dense, seeing what ``sees`` says."""

    def __init__(self, sees):
        self.sees = sees

    def augmentation(self):
        return {"rescale": 1 / 255, "preprocessing_function": shortcuts.BandMask(0.25, keep=self.sees)}

    def metadata(self):
        return {"sees": self.sees, "band": 0.25}

    def build_model(self, num_classes, input_shape):
        return Sequential([Flatten(), Dense(num_classes, activation="softmax")],
                          input_shape=input_shape)


def test_cross_validation_finds_the_label_where_it_is(rng):
    """Two classes told apart by the border only (the centre is noise): a model that sees only
    the border learns them; one that sees only the centre stays near chance."""
    labels = np.arange(40) % 2
    images = rng.integers(0, 256, (40, 12, 12, 1)).astype(np.uint8)
    region = shortcuts.band_region(12, 12, 0.25)
    images[:, region] = np.where(labels[:, None, None] == 1, 230, 25)[:, :, :1]
    minicnn.set_seed(0)
    border = shortcuts.cross_validate(DenseRecipe("band"), images, labels, seed=0, folds=4,
                                      epochs=15, batch_size=8, learning_rate=0.01)
    centre = shortcuts.cross_validate(DenseRecipe("centre"), images, labels, seed=0, folds=4,
                                      epochs=15, batch_size=8, learning_rate=0.01)
    assert len(border["folds"]) == 4 and border["seconds"] > 0
    assert border["accuracy"] >= 0.95 and centre["accuracy"] <= 0.75
    # the held-out images are masked as the training ones: a centre-only model cannot tell
    # two sets that differ only in their borders
    other = images.copy()
    other[:, region] = rng.integers(0, 256, other[:, region].shape)
    groups = np.arange(40)
    runs = [shortcuts.cross_validate(DenseRecipe("centre"), x, labels, seed=0, folds=4,
                                     groups=groups, epochs=3, batch_size=8) for x in (images, other)]
    assert runs[0]["predicted"] == runs[1]["predicted"]


# -- Grad-CAM's share -------------------------------------------------------------------------
def test_grad_cam_band_share_of_the_lesson_model(rng):
    minicnn.set_seed(0)
    model = xray.build_model(3)
    x = rng.random((3, 256, 256, 1)).astype(np.float32)
    share = shortcuts.grad_cam_band_share(model, x, 0.125)
    assert share["uniform"] == pytest.approx(1 - (32 / 40) ** 2)  # 8 of 40 units per axis
    assert share["maps"] == 3 and share["empty"] + (share["share"] is not None) >= 1
    if share["share"] is not None:
        assert 0 <= share["share"] <= 1


# -- the report of `minicnn train` ------------------------------------------------------------
def test_the_report_gives_the_reliance_profile_and_every_pair(tmp_path):
    """metrics.json's where_it_looks.reliance_profile and test.pairs, the lines per ring, and
    reliance.png, from a short run on the bundled sample at 96 pixels."""
    import contextlib
    import io
    from minicnn.apps.projects import runner
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        summary = runner.run(xray, verbose=0, image_size=(96, 96), batch_size=16, epochs=1,
                             out=str(tmp_path))
    written = json.loads((tmp_path / "metrics.json").read_text())
    profile = written["where_it_looks"]["reliance_profile"]
    assert len(profile["rings"]) == 8 and profile["donors_per_class"] == 2
    assert sum(ring["area"] for ring in profile["rings"]) == pytest.approx(1)
    assert profile["rings"][0]["swap"]["composites"] == 30 * 2 * 2
    assert profile["clean"] == pytest.approx(summary["test"]["accuracy"])
    pairs = written["test"]["pairs"]
    assert list(pairs) == ["Covid-vs-Normal", "Covid-vs-Pneumonia", "Normal-vs-Pneumonia"]
    assert all(p["samples"] == 20 for p in pairs.values())
    assert written["test"]["without_copies"]["pairs"] == pairs     # the sample holds no copies
    text = printed.getvalue()
    assert "reliance by ring" in text and "the ring that steers it most" in text
    assert "Normal-vs-Pneumonia" in text
    assert (tmp_path / "reliance.png").stat().st_size > 0


# -- the measured figures, and the docs that quote them -----------------------------------------
def benchmark():
    spec = importlib.util.spec_from_file_location("shortcuts_benchmark",
                                                  os.path.join(ROOT, "benchmarks", "shortcuts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measured():
    with open(os.path.join(ROOT, "benchmarks", "results", "shortcuts_covid.json")) as f:
        return json.load(f)


def numbers(text):
    return re.findall(r"\d+(?:\.\d+)?%?", text)


def paragraph_after(text, start, end="\n\n"):
    """The text from ``start`` to ``end`` (the next blank line), on one line."""
    begin = text.index(start)
    return " ".join(text[begin:text.index(end, begin) + (0 if end == "\n\n" else len(end))].split())


def test_the_measured_summary_is_the_measured_runs():
    figures = measured()
    assert benchmark().summaries(figures) == figures["summary"]
    assert figures["seeds"] == [1, 2, 3, 4, 5, 6] and figures["rings"] == 8
    assert len(figures["copies"]["test_copies_of_training"]) == 6


def test_the_measured_figures_hold_what_the_text_says():
    """Each claim the generated text words without a number, checked on the figures."""
    figures = measured()
    lesson, masked = figures["summary"]["lesson"], figures["summary"]["masked-border"]
    first_inside = int(round(figures["band"] * 2 * figures["rings"]))  # the ring the mask leaves first
    assert masked["steering_ring"] == first_inside                   # "moves one ring in"
    assert masked["ring_excess"][first_inside]["mean"] > max(r["mean"] for r in lesson["ring_excess"])
    assert masked["accuracy"]["mean"] > lesson["accuracy"]["mean"]   # "the more accurate recipe"
    assert lesson["steering_ring"] < first_inside                    # "inside the border band"
    thumbnail = figures["source_probe"]["test"]["thumbnail"]["accuracy"]
    assert thumbnail >= lesson["accuracy"]["ci"][0]                  # no better than a thumbnail
    cross = figures["cross_copies"]["by_class"]
    assert cross["Normal"]["matched"] >= 0.9 * cross["Normal"]["images"]
    assert cross["Pneumonia"]["matched"] >= 0.7 * cross["Pneumonia"]["images"]
    assert cross["Covid"]["matched"] <= 1 and cross["Covid"]["median_best"] < 0.85
    assert set(cross["Normal"]["matched_in"]) <= {"test/NORMAL", "train/NORMAL"}


def test_the_readme_gives_the_measured_figures():
    """The README's "What the model relies on" paragraph, its covid data paragraph and its
    covid recipe rows hold the numbers benchmarks/shortcuts.py writes from the JSON, in order:
    the words may be edited, the numbers may not drift from the measurement."""
    figures, module = measured(), benchmark()
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = readme[readme.index("## What the model relies on"):]
    shown = paragraph_after(section, "What the model relies on, measured")
    assert numbers(shown) == numbers(module.relies_on(figures))
    assert "docs/reliance.png" in section[:section.index("\n## ", 3)]
    data = module.data_paragraph(figures)     # in a bullet of a list: up to its last words
    assert numbers(paragraph_after(readme, "Where its classes come from", data.split()[-1])) == \
        numbers(data)
    for row in module.recipe_rows(figures)[2:]:
        assert row in readme, row


def test_docs_data_md_gives_the_measured_figures():
    figures, module = measured(), benchmark()
    docs = open(os.path.join(ROOT, "docs", "data.md"), encoding="utf-8").read()
    paragraph = module.docs_paragraph(figures)
    assert numbers(paragraph_after(docs, "- **Where the classes come from:**",
                                   paragraph.split()[-1])) == numbers(paragraph)


def test_notebook_07_reads_the_measured_figures_from_the_json():
    notebook = json.load(open(os.path.join(ROOT, "notebooks",
                                                  "07-where-does-the-model-look.ipynb")))
    code = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    prose = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    assert "shortcuts_covid.json" in code and "covid_measured" not in code + prose
    # the prose quotes no figure of the full set (those are printed from the JSON, and
    # asserted), only the methods' constants: SmoothGrad's noise, the copies' thresholds and
    # what two different films correlate
    quoted = set(re.findall(r"\b0\.\d{2,}|(?<![\d.])\d{2}%", prose))
    assert quoted <= {"15%", "0.99", "0.95", "0.86"}, quoted


def test_the_benchmark_skips_without_the_shared_data(tmp_path, capsys, monkeypatch):
    module = benchmark()
    monkeypatch.setattr("sys.argv", ["shortcuts.py", "--shared", str(tmp_path)])
    assert module.main() == 0
    assert "skipped" in capsys.readouterr().out


def test_band_module_is_what_the_recipes_use():
    assert xray.RECIPES["masked-border"].mask().keep == "centre"
    assert isinstance(xray.RECIPES["border-only"].mask(), band_module.BandMask)
    assert xray.RECIPES["lesson"].mask() is None
