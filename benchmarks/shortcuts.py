"""What the covid models rely on, where the covid set's classes come from, and what a recipe
can honestly claim on it (issues 22 and 34).

    python benchmarks/shortcuts.py [--shared ../shared/data] [--seeds 1-6] [--runs DIR]
                                   [--no-write] [--redraw] [--append-results]

On the full covid set (../shared/data/covid19-dataset; without it the script says so and
stops, exit status 0), one process, one thread:

1. Copies: the test images that are exact (and near) copies of training images
   (minicnn duplicates), left out of the "without copies" figures.
2. The lesson and masked-border recipes (minicnn.apps.projects.xray.RECIPES) through `minicnn
   train`'s runner, as `minicnn train xray --data DIR [--recipe masked-border] --batch-size 16
   --epochs 40 --validation-split 0 --seed S`, seeds interleaved: the report's figures
   (accuracy with and without the copies, per-class recall, every pair of classes alone, the
   border swap, occlusion, Grad-CAM's band share) and the reliance profile by ring of each
   trained model (8 rings; 5 donors of every class per test image and ring).
3. The source probe (minicnn.apps.shortcut_learning.source_probe): a linear classifier on
   features that barely show the disease (an 8x8 blurred thumbnail, its border cells, the
   border's and the film's intensity histograms, the body's silhouette), cross-validated on
   the training films per pair of classes, and fitted on them and scored on the test films
   (the thumbnail's is the "thumbnail baseline").
4. With ../shared/data/chest-xray-pneumonia (the Kermany set): the covid films' copies there
   (minicnn duplicates A B: 32x32 averages, correlation >= 0.95).

Writes benchmarks/results/shortcuts_covid.json (every figure: notebook 07, docs/data.md and
the README quote it, and tests check that they do), docs/reliance.png (both recipes' profiles,
all seeds) and docs/grad_cam.png (seed 1's models); prints the README's text (What the model
relies on, the covid data paragraph, the recipe rows) and the tables (--append-results also
appends them to benchmarks/RESULTS.md). --no-write only prints. --redraw: no training, the
pictures and text again from the JSON and the models in --runs.
"""
import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import minicnn  # noqa: E402
from minicnn.apps.projects import runner, xray  # noqa: E402
from minicnn.apps.shortcut_learning import source_probe  # noqa: E402
from minicnn.apps.shortcut_learning.probe import duplicate_groups  # noqa: E402
from minicnn.apps.shortcut_learning.rings import reliance_profile  # noqa: E402
from minicnn.preprocessing.duplicates import copies_between, find_duplicates  # noqa: E402

MEASURED = os.path.join(HERE, "results", "shortcuts_covid.json")
PICTURE = os.path.join(ROOT, "docs", "grad_cam.png")
RELIANCE = os.path.join(ROOT, "docs", "reliance.png")
TRAINING = dict(epochs=40, batch_size=16, learning_rate=1e-3)
RECIPES = ("lesson", "masked-border")
RINGS, DONORS, BAND = 8, 5, xray.BORDER_CHECK
NAMED = {"band": (0, BAND), "centre": (BAND, 0.5)}
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 19: 2.093}
SAME_FILM = 0.95    # copies between the two sets: the default of `minicnn duplicates A B`
CLOSE_FILM = 0.98


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def stats(values):
    """{"mean", "sd" (n - 1), "ci": [low, high] (t, 95%), "n"} of a list of numbers."""
    v = np.asarray([x for x in values if x is not None], dtype=float)
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": mean, "sd": None, "ci": None, "n": len(v)}
    sd = float(v.std(ddof=1))
    half = T975[len(v) - 1] * sd / np.sqrt(len(v))
    return {"mean": mean, "sd": sd, "ci": [mean - half, mean + half], "n": len(v)}


def rounded(value, digits=4):
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    if isinstance(value, (float, np.floating)):
        return round(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    return value


def command(recipe, data="Covid19-dataset", seed=None):
    extra = "" if recipe == "lesson" else f" --recipe {recipe}"
    tail = "" if seed is None else f" --seed {seed}"
    return (f"minicnn train xray --data {data}{extra} --batch-size 16 --epochs 40 "
            f"--validation-split 0{tail}")


def split_images(data, split):
    """(uint8 images (N, 256, 256, 1), labels, class names, file names) of data/split, decoded
    as the runner decodes them."""
    train, _, test = xray.load_data(data, validation_split=0, verbose=0)
    it = train if split == "train" else test
    return (np.stack([it.load(k) for k in range(it.samples)]), np.asarray(it.classes),
            list(it.class_indices), [name.replace(os.sep, "/") for name in it.filenames])


def code_version():
    """The commit the figures come from, whether the fast step's "Speed" commit is in it, and
    how many files of the package differed from that commit when the benchmark ran."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    speed = [line for line in git("log", "--format=%h %s").splitlines()
             if line.split(" ", 1)[-1].lower().startswith("speed")]
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "speed_commit": speed[0][:80] if speed else None,
            "package_files_modified": len(git("status", "--porcelain", "minicnn").splitlines())}


# -- 1. and 2.: the recipes ---------------------------------------------------------------------
def train_once(recipe, data, seed, out, test_images, test_labels, donors, donor_labels):
    """One `minicnn train` run (in this process, its printing kept in out/report.txt): the
    figures of its metrics.json, its wall time, and the reliance profile of its model."""
    project = xray if recipe == "lesson" else xray.RECIPES[recipe]
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        m = runner.run(project, data=data, seed=seed, out=out, validation_split=0, verbose=0,
                       **TRAINING)
    wall = time.perf_counter() - start
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(printed.getvalue())
    model = minicnn.load_model(os.path.join(out, "model.npz"))
    start = time.perf_counter()
    profile = reliance_profile(model, test_images, test_labels, donors, donor_labels, RINGS,
                               named=NAMED, per_class=DONORS)
    profile_seconds = time.perf_counter() - start
    test, looks = m["test"], m["where_it_looks"]
    accuracy = lambda pairs: {name: p["accuracy"] for name, p in pairs.items()}
    return {"seed": seed, "accuracy": test["accuracy"],
            "accuracy_without_copies": test["without_copies"]["accuracy"],
            "accuracy_without_near_copies_too":
                test["without_copies"]["accuracy_without_near_copies_too"],
            "recall": {name: c["recall"] for name, c in test["per_class"].items()},
            "pairs": accuracy(test["pairs"]),
            "pairs_without_copies": accuracy(test["without_copies"]["pairs"]),
            "mean_per_class_auc": test["auc"], "pooled_auc": test["pooled_auc"],
            "fit_seconds": m["seconds_per_epoch"] * m["epochs"], "wall_seconds": wall,
            "profile_seconds": profile_seconds,
            "border_swap": looks["border_swap"], "occlusion": looks["occlusion"],
            "grad_cam_band_share": {k: v for k, v in looks["grad_cam_band_share"].items()
                                    if k != "caveat"},
            "reliance_profile": profile}


# -- 4.: the copies between the two sets --------------------------------------------------------
def cross_copies(covid, kermany):
    """The covid films' best matches among Kermany's: per covid class, how many have one at
    SAME_FILM and CLOSE_FILM or more, where (Kermany's split and class), how many of the
    Pneumonia matches are bacterial films (Kermany's file names say bacteria or virus), and
    the matches themselves."""
    start = time.perf_counter()
    found = copies_between(covid, kermany, threshold=SAME_FILM, size=32)
    seconds = time.perf_counter() - start
    by_class = found.by_class()
    for name, counts in by_class.items():
        mine = np.array([_class_of(n) == name for n in found.names_a])
        counts["at_close"] = int((found.r[mine] >= CLOSE_FILM).sum())
        matched = [found.names_b[b] for b, r, m in zip(found.best, found.r, mine)
                   if m and r >= SAME_FILM]
        counts["in_test_split"] = sum(b.startswith("test/") for b in matched)
        counts["bacterial"] = sum("bacteria" in os.path.basename(b) for b in matched)
    return {"a": "covid19-dataset", "b": "chest-xray-pneumonia (Kermany et al. 2018, "
                                          "pre-resized to 224x224)",
            "a_images": len(found.names_a), "b_images": len(found.names_b),
            "size": found.size, "threshold": SAME_FILM, "close": CLOSE_FILM,
            "exact": found.exact, "by_class": by_class, "seconds": seconds,
            "matches": [{"a": a, "b": b, "r": r} for a, b, r in found.matches()]}


def _class_of(name):
    return name.split("/")[-2] if "/" in name else ""


# -- the measurement ---------------------------------------------------------------------------
def measure(args, data, kermany):
    minicnn.set_num_threads(1)
    found = find_duplicates(data)
    train_images, train_labels, classes, _ = split_images(data, "train")
    test_images, test_labels, _, test_names = split_images(data, "test")
    copied = set(found.copies_across())
    kept = np.array([f"test/{name}" not in copied for name in test_names])
    measured = {
        "what": "the covid set of the lessons (../shared/data/covid19-dataset: 251 training, "
                "66 test images), measured by benchmarks/shortcuts.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, one minicnn thread, "
                   f"Python {platform.python_version()}, NumPy {np.__version__}",
        "code": code_version(),
        "classes": classes, "band": BAND, "rings": RINGS, "donors_per_class": DONORS,
        "seeds": args.seeds, "training": TRAINING,
        "training_images": len(train_labels), "test_images": len(test_labels),
        "test_counts": {c: int((test_labels == k).sum()) for k, c in enumerate(classes)},
        "test_chance": float(np.bincount(test_labels).max() / len(test_labels)),
        "copies": {"test_copies_of_training": found.copies_across(),
                   "test_near_copies_of_training": found.near_copies_across(),
                   "exact_groups": found.exact, "near_pairs": found.near},
        "recipes": {name: {"command": command(name), "runs": []} for name in RECIPES},
    }
    for seed in args.seeds:
        for name in RECIPES:
            run = train_once(name, data, seed, os.path.join(args.runs, f"{name}-seed{seed}"),
                             test_images, test_labels, train_images, train_labels)
            measured["recipes"][name]["runs"].append(rounded(run))
            print(f"{name} seed {seed}: test {run['accuracy']:.4f}, without copies "
                  f"{run['accuracy_without_copies']:.4f}, Normal-vs-Pneumonia "
                  f"{run['pairs'].get('Normal-vs-Pneumonia', float('nan')):.3f}, fit "
                  f"{run['fit_seconds']:.1f} s, wall {run['wall_seconds']:.1f} s, profile "
                  f"{run['profile_seconds']:.1f} s", flush=True)
    start = time.perf_counter()
    groups = duplicate_groups(train_images)
    fold_seeds = (0, 1, 2, 3, 4)
    measured["source_probe"] = {
        "folds": 5, "fold_seeds": list(fold_seeds), "penalty": source_probe.PENALTY,
        "epochs": source_probe.EPOCHS,
        "cv": source_probe.source_probe(train_images, train_labels, classes, groups,
                                        band=BAND, fold_seeds=fold_seeds),
        "test": source_probe.probe_on_test(train_images, train_labels, test_images,
                                           test_labels, classes, band=BAND, kept=kept)}
    measured["source_probe"]["seconds"] = time.perf_counter() - start
    print(f"source probe: {measured['source_probe']['seconds']:.0f} s", flush=True)
    measured["cross_copies"] = cross_copies(data, kermany) if os.path.isdir(kermany) else None
    measured = rounded(measured)
    measured["summary"] = summaries(measured)
    return measured


def summaries(measured):
    """{recipe: {figure: stats over seeds}}: what the text, the tables and the notebook use."""
    out = {}
    for name, recipe in measured["recipes"].items():
        runs = recipe["runs"]
        s = lambda f: rounded(stats([f(r) for r in runs]))
        rings = range(len(runs[0]["reliance_profile"]["rings"]))
        ring = lambda k, f: s(lambda r: f(r["reliance_profile"]["rings"][k]))
        named = lambda part, f: s(lambda r: f(r["reliance_profile"]["named"][part]))
        # the ring with the largest mean excess, and in how many seeds it is that seed's largest
        excess = np.array([[g["swap"]["excess"] for g in r["reliance_profile"]["rings"]]
                           for r in runs])
        steering = int(np.argmax(excess.mean(axis=0)))
        out[name] = {
            "accuracy": s(lambda r: r["accuracy"]),
            "accuracy_without_copies": s(lambda r: r["accuracy_without_copies"]),
            "accuracy_without_near_copies_too": s(lambda r: r["accuracy_without_near_copies_too"]),
            "recall": {c: s(lambda r, c=c: r["recall"][c]) for c in runs[0]["recall"]},
            "pairs": {p: s(lambda r, p=p: r["pairs"][p]) for p in runs[0]["pairs"]},
            "pairs_without_copies": {p: s(lambda r, p=p: r["pairs_without_copies"][p])
                                     for p in runs[0]["pairs_without_copies"]},
            "band_swap_follow": s(lambda r: r["border_swap"]["donor"]),
            "band_swap_own": s(lambda r: r["border_swap"]["own"]),
            "band_swap_control_own": s(lambda r: r["border_swap"]["control_own"]),
            "centre_blacked": s(lambda r: r["occlusion"]["centre_blacked"]),
            "band_blacked": s(lambda r: r["occlusion"]["band_blacked"]),
            "grad_cam_share": s(lambda r: r["grad_cam_band_share"]["share"]),
            "grad_cam_uniform": runs[0]["grad_cam_band_share"]["uniform"],
            "ring_area": [runs[0]["reliance_profile"]["rings"][k]["area"] for k in rings],
            "ring_follow": [ring(k, lambda g: g["swap"]["donor"]) for k in rings],
            "ring_control_own": [ring(k, lambda g: g["swap"]["control_own"]) for k in rings],
            "ring_excess": [ring(k, lambda g: g["swap"]["excess"]) for k in rings],
            "ring_blackout": [ring(k, lambda g: g["blackout"]) for k in rings],
            "steering_ring": steering,
            "steering_ring_seeds": int((excess.argmax(axis=1) == steering).sum()),
            "max_ring_excess": s(lambda r: max(g["swap"]["excess"]
                                               for g in r["reliance_profile"]["rings"])),
            "named_follow": {part: named(part, lambda g: g["swap"]["donor"])
                             for part in runs[0]["reliance_profile"]["named"]},
            "named_excess": {part: named(part, lambda g: g["swap"]["excess"])
                             for part in runs[0]["reliance_profile"]["named"]},
            "named_blackout": {part: named(part, lambda g: g["blackout"])
                               for part in runs[0]["reliance_profile"]["named"]},
            "fit_seconds": s(lambda r: r["fit_seconds"]),
            "wall_seconds": s(lambda r: r["wall_seconds"]),
        }
    return out


# -- the text the docs quote -------------------------------------------------------------------
def ci(st, digits=3):
    return f"{st['mean']:.{digits}f} (95% CI {st['ci'][0]:.{digits}f}-{st['ci'][1]:.{digits}f})"


def ring_span(measured, k):
    """Ring k's depths as '12.5-18.75%' of each side from the edge."""
    step = 50 / measured["rings"]
    return f"{k * step:g}-{(k + 1) * step:g}%"


def relies_on(measured):
    """The README's "What the model relies on" paragraph, every number from ``measured``."""
    s, seeds = measured["summary"], measured["seeds"]
    lesson, masked = s["lesson"], s["masked-border"]
    thumb = measured["source_probe"]["test"]["thumbnail"]
    cv = measured["source_probe"]["cv"]
    pair = "Normal-vs-Pneumonia"
    lk, mk = lesson["steering_ring"], masked["steering_ring"]
    copies = len(measured["copies"]["test_copies_of_training"])
    return (
        f"What the model relies on, measured by changing the films rather than by reading "
        f"heatmaps (`docs/reliance.png` and `docs/grad_cam.png`, made by "
        f"`benchmarks/shortcuts.py` on the full covid set, seeds {seeds[0]}-{seeds[-1]}; "
        f"notebook 07 explains each part). Cut each film into {measured['rings']} rings of equal "
        f"width from the edge to the middle, paste one ring of a training film of another class "
        f"into a test film, and count how often the prediction follows the pasted ring, beyond "
        f"what pasting a ring of the film's own class gives ({2 * measured['donors_per_class']} "
        f"donors of other classes and {measured['donors_per_class']} of its own per film and "
        f"ring). The lesson's model is steered most by ring {lk + 1} ({ring_span(measured, lk)} of "
        f"each side from the edge: {lesson['ring_follow'][lk]['mean']:.0%} of its predictions "
        f"follow the donor, {lesson['ring_excess'][lk]['mean']:+.2f} beyond the control), inside the "
        f"border band where the side markers are (the outer {measured['band']:.1%}: with "
        f"another class's band pasted on, {lesson['band_swap_follow']['mean']:.0%} of its "
        f"predictions follow it). The `masked-border` recipe sets that band to 0, and its "
        f"shortcut moves one ring in: ring {mk + 1} ({ring_span(measured, mk)}, "
        f"{masked['ring_area'][mk]:.0%} of the image) now moves "
        f"{masked['ring_follow'][mk]['mean']:.0%} of its predictions to the donor's class "
        f"({masked['ring_excess'][mk]['mean']:+.2f} beyond the control), more than any ring "
        f"moves the lesson's model. It is the more accurate recipe, "
        f"{masked['accuracy']['mean']:.3f} against {lesson['accuracy']['mean']:.3f} "
        f"({masked['accuracy_without_copies']['mean']:.3f} and "
        f"{lesson['accuracy_without_copies']['mean']:.3f} without the {copies} test images that "
        f"copy training images), but no recipe here separates disease from source: the covid "
        f"set's Normal and Pneumonia films are children's films of the Kermany pneumonia set and "
        f"its Covid films adults' films from other hospitals (see the data below), and a linear "
        f"classifier on an 8x8 blurred thumbnail of each film, which shows little of the lungs, "
        f"scores {thumb['accuracy']:.3f} on the same test images "
        f"({cv['thumbnail']['all classes']['accuracy']:.2f} in cross-validation on the training "
        f"films; its border cells alone {cv['border cells']['all classes']['accuracy']:.2f}). "
        f"On the one pair from one source, Normal against Pneumonia, the lesson scores "
        f"{lesson['pairs'][pair]['mean']:.2f}, `masked-border` {masked['pairs'][pair]['mean']:.2f} "
        f"and the thumbnail {thumb['pairs'][pair]['accuracy']:.2f}. Heatmaps are only a hint: "
        f"Grad-CAM puts {lesson['grad_cam_share']['mean']:.0%} of the lesson model's mass on the "
        f"band, where a uniform map puts {lesson['grad_cam_uniform']:.0%}, and "
        f"{masked['grad_cam_share']['mean']:.0%} for the recipe that cannot see it.")


def data_paragraph(measured):
    """The README's data-section paragraph on where the covid set's classes come from."""
    cross = measured["cross_copies"]
    c = cross["by_class"]
    covid = [m for m in cross["matches"] if _class_of(m["a"]) == "Covid"]
    matched = c["Normal"]["matched"] + c["Pneumonia"]["matched"]
    in_test = c["Normal"]["in_test_split"] + c["Pneumonia"]["in_test_split"]
    return (
        f"Where its classes come from matters more than its size: `minicnn duplicates "
        f"Covid19-dataset chest_xray` finds {c['Normal']['matched']} of its "
        f"{c['Normal']['images']} Normal and {c['Pneumonia']['matched']} of its "
        f"{c['Pneumonia']['images']} Pneumonia films among the films of the Kermany pneumonia "
        f"set below (correlation of {cross['size']}x{cross['size']} averages of "
        f"{cross['threshold']} or more; {in_test} of these {matched} in Kermany's test split, "
        f"and {c['Pneumonia']['bacterial']} of the Pneumonia ones are bacterial, not viral, "
        f"pneumonia): children's films from one hospital. Its Covid films are adults' films "
        f"from other sources (median best match {c['Covid']['median_best']:.2f}), except "
        + (f"{covid[0]['a']}, which is Kermany's {covid[0]['b']}, a child's viral pneumonia "
           f"labelled Covid" if covid else "none") +
        f". So \"Covid against the rest\" is also \"adults against children\" and \"other "
        f"hospitals against one\": a model can score well on this set without reading any "
        f"disease. Six of its test images are copies of training images: `minicnn duplicates "
        f"Covid19-dataset` lists them, and the figures below are given without them too.")


def recipe_rows(measured):
    """The README's covid rows of the recipe table."""
    s, seeds = measured["summary"], measured["seeds"]
    span = f"seeds {seeds[0]}-{seeds[-1]}"
    copies = len(measured["copies"]["test_copies_of_training"])
    rows = ["| project | command | test accuracy (mean) | the rare class |",
            "| --- | --- | --- | --- |"]
    for name in RECIPES:
        st = s[name]
        k = st["steering_ring"]
        covid_pairs = "; ".join(f"{p} {st['pairs'][p]['mean']:.2f}" for p in st["pairs"]
                                if "Covid" in p)
        rows.append(
            f"| Covid X-rays, 3 classes{' (' + name + ')' if name != 'lesson' else ''} | "
            f"`{command(name)}` | {ci(st['accuracy'])}, {span}; "
            f"{st['accuracy_without_copies']['mean']:.3f} without the {copies} test images that "
            f"copy training images. Normal-vs-Pneumonia (the one pair from one source) "
            f"{ci(st['pairs']['Normal-vs-Pneumonia'], 2)}; pairs with Covid (source and age as "
            f"much as disease): {covid_pairs}. Follows a pasted ring of another class most at "
            f"ring {k + 1} of {measured['rings']} ({ring_span(measured, k)} from the edge; "
            f"{st['ring_follow'][k]['mean']:.0%}, {st['ring_excess'][k]['mean']:+.2f} beyond the "
            f"same-class control); {st['fit_seconds']['mean']:.0f} s of training (one thread) | "
            f"recall " + ", ".join(f"{c} {r['mean']:.2f}" for c, r in st["recall"].items()) + " |")
    return rows


def docs_paragraph(measured):
    """docs/data.md's paragraph on the covid set's sources, every number from ``measured``."""
    cross = measured["cross_copies"]
    c = cross["by_class"]
    covid = [m for m in cross["matches"] if _class_of(m["a"]) == "Covid"]
    return (
        f"- **Where the classes come from:** the Normal and Pneumonia films are the Kermany "
        f"pediatric films of the next section. For each of the {cross['a_images']} films, the "
        f"most similar of Kermany's {cross['b_images']} (both decoded to grayscale, averaged to "
        f"{cross['size']}x{cross['size']} blocks, correlated; `minicnn duplicates "
        f"Covid19-dataset chest_xray`, figures by `benchmarks/shortcuts.py`): "
        f"{c['Normal']['matched']} of the {c['Normal']['images']} Normal and "
        f"{c['Pneumonia']['matched']} of the {c['Pneumonia']['images']} Pneumonia films have "
        f"one at {cross['threshold']} or more ({c['Normal']['at_close']} and "
        f"{c['Pneumonia']['at_close']} at {cross['close']} or more; the same film resized and "
        f"re-encoded), always of the same class; {c['Normal']['in_test_split']} and "
        f"{c['Pneumonia']['in_test_split']} of them are in Kermany's test split, and "
        f"{c['Pneumonia']['bacterial']} of the Pneumonia matches are bacterial, not viral, "
        f"pneumonia. The {c['Covid']['images']} Covid films are adults' films from other "
        f"sources (median best correlation {c['Covid']['median_best']:.2f}, where the Normal "
        f"films' is {c['Normal']['median_best']:.2f})"
        + (f", except {covid[0]['a']}, which is Kermany's {covid[0]['b']} (r = "
           f"{covid[0]['r']:.3f}): a child's viral pneumonia, labelled Covid" if covid else "")
        + ". A model can tell these classes apart by age and hospital (the chest's size, the "
          "exposure, the framing, the markers) without reading any disease; only Normal "
          "against Pneumonia is a question asked within one source.")


# -- tables and pictures -----------------------------------------------------------------------
def fmt(st, digits=3):
    if st["sd"] is None:
        return f"{st['mean']:.{digits}f}"
    low, high = st["ci"]
    return f"{st['mean']:.{digits}f} (sd {st['sd']:.{digits}f}; 95% CI {low:.{digits}f}-{high:.{digits}f})"


def tables(measured):
    s, seeds = measured["summary"], measured["seeds"]
    head = "| | " + " | ".join(f"seed {k}" for k in seeds) + " | mean (sd; 95% CI) |"
    rule = "| --- " * (len(seeds) + 2) + "|"
    n, copies = measured["test_images"], len(measured["copies"]["test_copies_of_training"])
    code = measured["code"]
    lines = ["## What the covid models rely on, and where the covid set's classes come from "
             "(issue 34)", "",
             f"`python benchmarks/shortcuts.py` on {measured['date']} ({measured['machine']}; "
             f"commit {code['commit']}, {code['package_files_modified']} package files modified; "
             f"fast step: {code['speed_commit'] or 'before the Speed commit'}). Both recipes "
             f"through `minicnn train` (`{measured['recipes']['lesson']['command']}`, and "
             f"`--recipe masked-border`), seeds interleaved. Without copies: without the "
             f"{copies} test images that copy training images.", "", head, rule]

    def row(label, recipe, f, digits=3):
        values = [f(r) for r in measured["recipes"][recipe]["runs"]]
        return (f"| {label} | " + " | ".join(f"{v:.{digits}f}" for v in values)
                + f" | {fmt(stats(values), digits)} |")
    for recipe in RECIPES:
        lines += [row(f"{recipe}: test accuracy ({n})", recipe, lambda r: r["accuracy"]),
                  row(f"{recipe}: without copies ({n - copies})", recipe,
                      lambda r: r["accuracy_without_copies"])]
        lines += [row(f"{recipe}: {p}", recipe, lambda r, p=p: r["pairs"][p])
                  for p in measured["recipes"][recipe]["runs"][0]["pairs"]]
        lines += [row(f"{recipe}: recall {c}", recipe, lambda r, c=c: r["recall"][c])
                  for c in measured["classes"]]
        lines += [row(f"{recipe}: band swap, follows the donor", recipe,
                      lambda r: r["border_swap"]["donor"]),
                  row(f"{recipe}: fit seconds", recipe, lambda r: r["fit_seconds"], 1)]
    lines += ["", f"Reliance by ring (mean over seeds; {measured['rings']} rings; each of the {n} "
                  f"test films with {2 * measured['donors_per_class']} donors of other classes and "
                  f"{measured['donors_per_class']} of its own per ring): follows the donor / "
                  f"excess beyond the control / accuracy with the ring blacked out.", "",
              "| ring (from the edge) | area | " + " | ".join(RECIPES) + " |",
              "| --- " * (len(RECIPES) + 2) + "|"]
    for k in range(measured["rings"]):
        cells = [f"{s[r]['ring_follow'][k]['mean']:.2f} / {s[r]['ring_excess'][k]['mean']:+.2f} / "
                 f"{s[r]['ring_blackout'][k]['mean']:.2f}" for r in RECIPES]
        lines.append(f"| {k + 1} ({ring_span(measured, k)}) | {s['lesson']['ring_area'][k]:.2f} | "
                     + " | ".join(cells) + " |")
    probe = measured["source_probe"]
    names = list(probe["cv"]["thumbnail"])[1:]
    lines += ["", f"The source probe (a linear classifier, minicnn's Dense with an L2 penalty, on "
                  f"features that show little of the lungs): {probe['folds']}-fold "
                  f"cross-validation on the {measured['training_images']} training films (fold "
                  f"seeds {probe['fold_seeds'][0]}-{probe['fold_seeds'][-1]}, copies in one fold), "
                  f"and fitted on them and scored on the {n} test films.", "",
              "| features | " + " | ".join(f"CV {p}" for p in names) + " | test | test Normal-vs-Pneumonia |",
              "| --- " * (len(names) + 3) + "|"]
    for feature, cv in probe["cv"].items():
        test = probe["test"][feature]
        lines.append(f"| {feature} ({cv['dims']}) | " + " | ".join(f"{cv[p]['accuracy']:.3f}" for p in names)
                     + f" | {test['accuracy']:.3f} | {test['pairs']['Normal-vs-Pneumonia']['accuracy']:.3f} |")
    if measured.get("cross_copies"):
        lines += ["", docs_paragraph(measured)]
    return lines


def pictures(measured, runs, data):
    """docs/reliance.png (every seed's profile, both recipes) and docs/grad_cam.png (the seed-1
    models on the first two test images of each class, Grad-CAM and border checks)."""
    import matplotlib.pyplot as plt
    from minicnn.apps import plots
    s, seeds = measured["summary"], measured["seeds"]
    profiles = {name: [r["reliance_profile"] for r in measured["recipes"][name]["runs"]]
                for name in RECIPES}
    mk = s["masked-border"]["steering_ring"]
    fig = plots.plot_reliance_profile(profiles, band=measured["band"], title=(
        f"Masking the border band (dotted) moves the shortcut one ring in: a pasted ring {mk + 1} "
        f"of another class\nsets {s['masked-border']['ring_follow'][mk]['mean']:.0%} of "
        f"masked-border's predictions to its class. Covid set, {measured['test_images']} test "
        f"films, seeds {seeds[0]}-{seeds[-1]} (shaded: the range over seeds)"))
    fig.savefig(RELIANCE, dpi=90)
    plt.close(fig)
    models = {name: minicnn.load_model(os.path.join(runs, f"{name}-seed{seeds[0]}", "model.npz"))
              for name in RECIPES}
    _, _, test = xray.load_data(data, validation_split=0, verbose=0)
    chosen = np.concatenate([np.flatnonzero(test.classes == k)[:2] for k in range(3)])
    images = np.stack([test.load(k) for k in chosen])
    first = {name: measured["recipes"][name]["runs"][0] for name in RECIPES}
    title = (f"Grad-CAM (seed {seeds[0]}; each unit at its receptive field's centre; dashed: the "
             f"border band's edge) and, right, that model's border checks on the "
             f"{measured['test_images']} test images (dotted: always guessing the largest class). "
             f"\nThe heatmaps do not show what the recipes rely on: docs/reliance.png measures it")
    fig = plots.plot_where_it_looks(models, images, test.classes[chosen], list(test.class_indices),
                                    first, measured["band"], chance=measured["test_chance"],
                                    title=title)
    fig.savefig(PICTURE, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("1-6"))
    parser.add_argument("--runs", default=os.path.join("runs", "shortcuts"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--redraw", action="store_true",
                        help="no training: the pictures and text again from the JSON and the "
                             "models in --runs")
    parser.add_argument("--append-results", action="store_true",
                        help="also append the tables to benchmarks/RESULTS.md")
    args = parser.parse_args()
    data = os.path.join(args.shared, "covid19-dataset")
    kermany = os.path.join(args.shared, "chest-xray-pneumonia")
    if not os.path.isdir(data):
        print(f"skipped: {data} not found (the full covid set lives in ../shared/data beside "
              f"the repository; pass --shared DIR)")
        return 0
    if args.redraw:
        with open(MEASURED) as f:
            measured = json.load(f)
    else:
        measured = measure(args, data, kermany)
        if not args.no_write:
            os.makedirs(os.path.dirname(MEASURED), exist_ok=True)
            with open(MEASURED, "w") as f:
                json.dump(measured, f, indent=1)
                f.write("\n")
    if not args.no_write:
        pictures(measured, args.runs, data)
    if args.append_results:
        from results_file import append_section
        append_section(tables(measured))
    else:
        print("\n".join(tables(measured)))
    print("\n" + relies_on(measured) + "\n")
    if measured.get("cross_copies"):
        print(data_paragraph(measured) + "\n")
        print(docs_paragraph(measured) + "\n")
    print("\n".join(recipe_rows(measured)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
