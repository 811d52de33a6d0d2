"""Where the covid model looks, and the recipe that cannot read the border (issue 22).

    python benchmarks/shortcuts.py [--shared ../shared/data] [--seeds 1-6] [--probe-seeds 1-6]
                                   [--skip-probe] [--runs runs/shortcuts] [--no-write]

On the full covid set (../shared/data/covid19-dataset; without it the script says so and
stops, exit status 0), one process, one thread:

1. Duplicates: the test images that are exact (and near) copies of training images
   (minicnn.preprocessing.duplicates), left out of the "without copies" figures.
2. The lesson recipe and the masked-border recipe (minicnn.apps.projects.xray.RECIPES), trained
   through `minicnn train`'s runner as `minicnn train xray --data DIR [--recipe
   masked-border] --batch-size 16 --epochs 40 --validation-split 0 --seed S`, seeds
   interleaved (lesson S, recipe S, lesson S+1, ...) so that their wall times compare:
   test accuracy with and without the copies, per-class recall, the border swap, occlusion
   and Grad-CAM's band share (the report's own figures, metrics.json's "where_it_looks").
3. The border-only probe (--recipe border-only: the centre set to 0) and, for comparison,
   the lesson on whole films: 5-fold cross-validation on the 251 training images (folds
   stratified, copies kept in one fold), and the probe trained on all of them and tested.

Writes: minicnn/shortcuts/covid_measured.py (every figure, read by notebook 07 and the
README caption test), docs/grad_cam.png (the README's picture: both recipes' Grad-CAM and
border checks, seed 1), and a section appended to benchmarks/RESULTS.md; prints the
README's recipe rows and caption. --no-write only prints.
"""
import argparse
import contextlib
import datetime
import io
import os
import platform
import pprint
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import minicnn  # noqa: E402
from minicnn.preprocessing.duplicates import find_duplicates  # noqa: E402
from minicnn.apps.projects import runner, xray  # noqa: E402
from minicnn.apps.shortcut_learning import cross_validate, duplicate_groups  # noqa: E402

MEASURED = os.path.join(ROOT, "minicnn", "shortcuts", "covid_measured.py")
PICTURE = os.path.join(ROOT, "docs", "grad_cam.png")
TRAINING = dict(epochs=40, batch_size=16, learning_rate=1e-3)
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 19: 2.093}
RECIPES = ("lesson", "masked-border")


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


def command(recipe, data="Covid19-dataset", seed=None):
    extra = "" if recipe == "lesson" else f" --recipe {recipe}"
    tail = "" if seed is None else f" --seed {seed}"
    return (f"minicnn train xray --data {data}{extra} --batch-size 16 --epochs 40 "
            f"--validation-split 0{tail}")


def train_once(recipe, data, seed, out):
    """One `minicnn train` run (in this process, its printing kept in out/report.txt):
    the figures of its metrics.json and its wall time."""
    project = xray if recipe == "lesson" else xray.RECIPES[recipe]
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        m = runner.run(project, data=data, seed=seed, out=out, validation_split=0, verbose=0,
                       **TRAINING)
    wall = time.perf_counter() - start
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(printed.getvalue())
    test, looks = m["test"], m.get("where_it_looks", {})
    return {"seed": seed, "accuracy": test["accuracy"],
            "accuracy_without_copies": test["without_copies"]["accuracy"],
            "accuracy_without_near_copies_too":
                test["without_copies"]["accuracy_without_near_copies_too"],
            "recall": {name: c["recall"] for name, c in test["per_class"].items()},
            "mean_per_class_auc": test["auc"], "pooled_auc": test["pooled_auc"],
            "fit_seconds": m["seconds_per_epoch"] * m["epochs"], "wall_seconds": wall,
            "border_swap": looks.get("border_swap"), "occlusion": looks.get("occlusion"),
            "grad_cam_band_share": {k: v for k, v in looks.get("grad_cam_band_share", {}).items()
                                    if k != "caveat"}}


def test_chance(data):
    """The largest class's share of the test images: the accuracy of always guessing it."""
    _, _, test = xray.load_data(data, validation_split=0, verbose=0)
    return float(np.bincount(test.classes).max() / test.samples)


def training_images(data):
    """(uint8 images, labels) of data/train, decoded as the runner decodes them."""
    train, _, _ = xray.load_data(data, validation_split=0, verbose=0)
    return np.stack([train.load(k) for k in range(train.samples)]), np.asarray(train.classes)


def rounded(value, digits=4):
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    if isinstance(value, (float, np.floating)):
        return round(float(value), digits)
    return value


def measure(args, data):
    minicnn.set_num_threads(1)
    found = find_duplicates(data)
    measured = {
        "what": "the covid set of the lessons (../shared/data/covid19-dataset: 251 training, "
                "66 test images), measured by benchmarks/shortcuts.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, one minicnn thread, "
                   f"Python {platform.python_version()}, NumPy {np.__version__}",
        "band": xray.BORDER_CHECK, "seeds": args.seeds, "training": TRAINING,
        "test_images": sum(name.startswith("test/") for name in found.names),
        "test_chance": test_chance(data),
        "copies": {"test_copies_of_training": found.copies_across(),
                   "test_near_copies_of_training": found.near_copies_across(),
                   "exact_groups": found.exact, "near_pairs": found.near},
        "recipes": {name: {"command": command(name), "runs": []} for name in RECIPES},
    }
    for seed in args.seeds:
        for name in RECIPES:
            run = train_once(name, data, seed, os.path.join(args.runs, f"{name}-seed{seed}"))
            measured["recipes"][name]["runs"].append(run)
            print(f"{name} seed {seed}: test {run['accuracy']:.4f}, without copies "
                  f"{run['accuracy_without_copies']:.4f}, swap follows the border "
                  f"{run['border_swap']['donor']:.3f}, fit {run['fit_seconds']:.1f} s, wall "
                  f"{run['wall_seconds']:.1f} s", flush=True)
    if not args.skip_probe:
        images, labels = training_images(data)
        groups = duplicate_groups(images)
        measured["probe"] = {"folds": 5, "fold_seed": 0, "chance": float(np.bincount(labels).max()
                                                                          / len(labels))}
        for name in ("border-only", "lesson"):
            results = []
            for seed in args.probe_seeds:
                cv = cross_validate(xray.RECIPES[name], images, labels, seed, folds=5,
                                    groups=groups, **TRAINING)
                results.append({"seed": seed, "accuracy": cv["accuracy"], "folds": cv["folds"],
                                "seconds": cv["seconds"]})
                print(f"cross-validation, {name}, seed {seed}: {cv['accuracy']:.4f} "
                      f"({cv['seconds']:.0f} s)", flush=True)
            measured["probe"][f"cv {name}"] = results
        tests = []
        for seed in args.probe_seeds:
            run = train_once("border-only", data, seed,
                             os.path.join(args.runs, f"border-only-seed{seed}"))
            tests.append({k: run[k] for k in ("seed", "accuracy", "accuracy_without_copies")})
            print(f"border-only seed {seed}: test {run['accuracy']:.4f}", flush=True)
        measured["probe"]["test border-only"] = tests
    return rounded(measured)


def summaries(measured):
    """{recipe: {figure: stats over seeds}} for the figures the tables and caption use."""
    out = {}
    for name, recipe in measured["recipes"].items():
        runs = recipe["runs"]
        pick = {"accuracy": lambda r: r["accuracy"],
                "accuracy_without_copies": lambda r: r["accuracy_without_copies"],
                "accuracy_without_near_copies_too": lambda r: r["accuracy_without_near_copies_too"],
                "own": lambda r: r["border_swap"]["own"],
                "donor": lambda r: r["border_swap"]["donor"],
                "neither": lambda r: r["border_swap"]["neither"],
                "control_own": lambda r: r["border_swap"]["control_own"],
                "centre_blacked": lambda r: r["occlusion"]["centre_blacked"],
                "band_blacked": lambda r: r["occlusion"]["band_blacked"],
                "grad_cam_share": lambda r: r["grad_cam_band_share"]["share"],
                "grad_cam_empty": lambda r: r["grad_cam_band_share"]["empty"],
                "fit_seconds": lambda r: r["fit_seconds"],
                "wall_seconds": lambda r: r["wall_seconds"]}
        out[name] = {key: stats([f(r) for r in runs]) for key, f in pick.items()}
    return out


def caption(measured):
    """The README's "Where the model looks" paragraph, its numbers from ``measured``."""
    s = summaries(measured)
    lesson, masked = s["lesson"], s["masked-border"]
    seeds = measured["seeds"]
    probe = measured.get("probe", {})
    leak = (f" The films' border band (the outer {measured['band']:.1%} of each side) gives their "
            f"label away: a model shown only that band reaches "
            f"{np.mean([r['accuracy'] for r in probe['cv border-only']]):.2f} accuracy in 5-fold "
            f"cross-validation on the training images (chance {probe['chance']:.2f}). The lesson's "
            f"model reads it:" if "cv border-only" in probe else
            f" The lesson's model reads the films' border band (the outer {measured['band']:.1%} "
            f"of each side):")
    uniform = measured["recipes"]["lesson"]["runs"][0]["grad_cam_band_share"]["uniform"]
    return (f"Where the model looks, measured by changing the films rather than by reading "
            f"heatmaps (`docs/grad_cam.png`, made by `benchmarks/shortcuts.py` on the full covid "
            f"set, seeds {seeds[0]}-{seeds[-1]}; notebook 07 explains each part).{leak} with the "
            f"band of another class's X-ray pasted onto a test image, its prediction follows the "
            f"pasted band {lesson['donor']['mean']:.0%} of the time and stays with the image's class "
            f"{lesson['own']['mean']:.0%} (with a band of the same class it stays right "
            f"{lesson['control_own']['mean']:.0%}), and with the centre of every film blacked out "
            f"it still scores {lesson['centre_blacked']['mean']:.2f}. The `masked-border` recipe "
            f"sets the band to 0 and reaches {masked['accuracy']['mean']:.3f} test accuracy "
            f"against the lesson's {lesson['accuracy']['mean']:.3f} "
            f"({masked['accuracy_without_copies']['mean']:.3f} and "
            f"{lesson['accuracy_without_copies']['mean']:.3f} without the "
            f"{len(measured['copies']['test_copies_of_training'])} test images that copy "
            f"training images). The heatmaps (Grad-CAM, each unit at its receptive field's "
            f"centre) are only a hint: they put {lesson['grad_cam_share']['mean']:.0%} of the "
            f"lesson model's mass on the band, where a uniform map puts {uniform:.0%}, and "
            f"{masked['grad_cam_share']['mean']:.0%} for the recipe that cannot see it.")


def fmt(st, digits=3):
    if st["sd"] is None:
        return f"{st['mean']:.{digits}f}"
    low, high = st["ci"]
    return (f"{st['mean']:.{digits}f} (sd {st['sd']:.{digits}f}; 95% CI "
            f"{low:.{digits}f}-{high:.{digits}f})")


def tables(measured):
    s = summaries(measured)
    seeds = measured["seeds"]
    head = "| | " + " | ".join(f"seed {k}" for k in seeds) + " | mean (sd; 95% CI) |"
    rule = "| --- " * (len(seeds) + 2) + "|"
    lines = ["## Shortcuts: where the covid model looks, and a recipe that cannot read the border "
             "(issue 22)", "",
             f"`python benchmarks/shortcuts.py` on {measured['date']} ({measured['machine']}; "
             f"other programs were running, so seconds compare only within this run). Both "
             f"recipes through `minicnn train` (`{measured['recipes']['lesson']['command']}`, and "
             f"`--recipe masked-border`), seeds interleaved in one process. \"Without copies\": "
             f"without the {len(measured['copies']['test_copies_of_training'])} test images that "
             f"are exact copies of training images "
             f"({', '.join(measured['copies']['test_copies_of_training'])}); \"without near "
             f"copies too\" also without "
             f"{', '.join(measured['copies']['test_near_copies_of_training']) or 'none'} (the "
             f"same film with another windowing). `minicnn duplicates DIR` lists them.", "",
             head, rule]

    def row(label, recipe, f, digits=3):
        runs = measured["recipes"][recipe]["runs"]
        values = [f(r) for r in runs]
        return (f"| {label} | " + " | ".join(f"{v:.{digits}f}" for v in values)
                + f" | {fmt(stats(values), digits)} |")
    n, copies = measured["test_images"], len(measured["copies"]["test_copies_of_training"])
    for recipe in RECIPES:
        lines += [row(f"{recipe}: test accuracy ({n})", recipe, lambda r: r["accuracy"]),
                  row(f"{recipe}: without copies ({n - copies})", recipe,
                      lambda r: r["accuracy_without_copies"]),
                  row(f"{recipe}: without near copies too", recipe,
                      lambda r: r["accuracy_without_near_copies_too"])]
    pairs = list(zip(measured["recipes"]["lesson"]["runs"],
                     measured["recipes"]["masked-border"]["runs"]))
    for label, key in (("masked-border - lesson, test", "accuracy"),
                       ("masked-border - lesson, without copies", "accuracy_without_copies")):
        values = [b[key] - a[key] for a, b in pairs]
        lines.append(f"| {label} | " + " | ".join(f"{v:+.3f}" for v in values)
                     + f" | {fmt(stats(values))} |")
    for recipe in RECIPES:
        lines += [row(f"{recipe}: fit seconds", recipe, lambda r: r["fit_seconds"], 1),
                  row(f"{recipe}: wall seconds (the whole run)", recipe,
                      lambda r: r["wall_seconds"], 1)]
    ratio = [b["fit_seconds"] / a["fit_seconds"] for a, b in pairs]
    lines.append("| fit time, masked-border / lesson | " + " | ".join(f"{v:.2f}" for v in ratio)
                 + f" | {fmt(stats(ratio), 2)} |")
    for recipe in RECIPES:
        recall = {c: stats([r["recall"][c] for r in measured["recipes"][recipe]["runs"]])["mean"]
                  for c in measured["recipes"][recipe]["runs"][0]["recall"]}
        lines.append(f"\nPer-class recall of {recipe} (mean over seeds): "
                     + ", ".join(f"{c} {v:.3f}" for c, v in recall.items()) + ".")
    lines += ["", f"Where each model looks (the report's border checks; band: the outer "
                  f"{measured['band']:.1%} of each side; {n} test images, each with the band of 10 "
                  f"training images of the other classes pasted on, 5 same-class ones for the "
                  f"control):", "", head, rule]
    checks = [("swap: stays with the image's class", lambda r: r["border_swap"]["own"]),
              ("swap: follows the pasted border", lambda r: r["border_swap"]["donor"]),
              ("swap: neither", lambda r: r["border_swap"]["neither"]),
              ("control (same-class border): stays right", lambda r: r["border_swap"]["control_own"]),
              ("occlusion: centre blacked out (border only)", lambda r: r["occlusion"]["centre_blacked"]),
              ("occlusion: border blacked out (centre only)", lambda r: r["occlusion"]["band_blacked"]),
              ("Grad-CAM share on the band (uniform map: "
               f"{measured['recipes']['lesson']['runs'][0]['grad_cam_band_share']['uniform']:.2f})",
               lambda r: (float("nan") if r["grad_cam_band_share"]["share"] is None
                          else r["grad_cam_band_share"]["share"])),
              (f"Grad-CAM: empty maps (of {n})", lambda r: r["grad_cam_band_share"]["empty"])]
    for recipe in RECIPES:
        for label, f in checks:
            lines.append(row(f"{recipe}: {label}", recipe, f, 0 if "empty" in label else 3))
    lines += ["", "For masked-border the swap cannot change anything: its mask sets the pasted "
                  "band to 0 (the figures are its clean ones; \"follows the pasted border\" is "
                  "half its errors). Grad-CAM's share stays near the uniform map's for both, "
                  "the model that cannot see the band included: it is not evidence either way."]
    probe = measured.get("probe")
    if probe:
        lines += ["", f"The border-only probe (`--recipe border-only`: the lesson's model, the "
                      f"centre set to 0 after augmentation, in training and at test) and the lesson on "
                      f"whole films, 5-fold cross-validation on the 251 training images (folds "
                      f"stratified, exact and near copies kept in one fold; pooled out-of-fold "
                      f"accuracy; chance {probe['chance']:.3f}); the probe trained on all 251 and "
                      f"tested (chance {measured['test_chance']:.3f}):", ""]
        probe_seeds = [r["seed"] for r in probe["cv border-only"]]
        lines += ["| | " + " | ".join(f"seed {k}" for k in probe_seeds) + " | mean (sd; 95% CI) |",
                  "| --- " * (len(probe_seeds) + 2) + "|"]
        for label, values in (
                ("border only, cross-validation", [r["accuracy"] for r in probe["cv border-only"]]),
                ("whole film (lesson), cross-validation", [r["accuracy"] for r in probe["cv lesson"]]),
                (f"border only, test ({n})", [r["accuracy"] for r in probe["test border-only"]]),
                (f"border only, test without copies ({n - copies})",
                 [r["accuracy_without_copies"] for r in probe["test border-only"]])):
            lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values)
                         + f" | {fmt(stats(values))} |")
        lines += ["", "Cross-validation on the training images flatters the whole-film model: "
                      "the border validates well inside one split of this set. The mask is "
                      "justified by the probe (the border alone carries the label), not by the "
                      "test set; masked-border's width (16 filters) was chosen among masked "
                      "recipes by 5-fold cross-validation on the training images (seeds 1-2, "
                      "measured before this script existed; the figures are in the note on issue "
                      "22), never by the test set."]
    return lines


def recipe_rows(measured):
    s = summaries(measured)
    seeds = f"seeds {measured['seeds'][0]}-{measured['seeds'][-1]}"
    copies = len(measured["copies"]["test_copies_of_training"])
    rows = ["| project | command | test accuracy (mean) | the rare class |", "| --- | --- | --- | --- |"]
    for name in RECIPES:
        st = s[name]
        rows.append(
            f"| Covid X-rays, 3 classes{' (' + name + ')' if name != 'lesson' else ''} | "
            f"`{command(name)}` | {st['accuracy']['mean']:.3f} ({seeds}; 95% CI "
            f"{st['accuracy']['ci'][0]:.3f}-{st['accuracy']['ci'][1]:.3f}); "
            f"{st['accuracy_without_copies']['mean']:.3f} without the {copies} test images that "
            f"copy training images; with another class's border pasted on, "
            f"{st['donor']['mean']:.0%} of its predictions follow the border"
            f"{' (its mask removes the border: these are its ordinary errors)' if name != 'lesson' else ''}; "
            f"{st['fit_seconds']['mean']:.0f} s of training, {st['wall_seconds']['mean']:.0f} s "
            f"the whole run (one thread, the same run) | |")
    return rows


def picture(measured, runs, data):
    """docs/grad_cam.png: the seed-1 model of each recipe on the first two test images of
    each class (as `minicnn train` picks them), Grad-CAM and border checks side by side."""
    import matplotlib.pyplot as plt
    from minicnn import load_model, plots
    models = {name: load_model(os.path.join(runs, f"{name}-seed{measured['seeds'][0]}", "model.npz"))
              for name in RECIPES}
    _, _, test = xray.load_data(data, validation_split=0, verbose=0)
    chosen = np.concatenate([np.flatnonzero(test.classes == k)[:2] for k in range(3)])
    images = np.stack([test.load(k) for k in chosen])
    first = {name: next(r for r in measured["recipes"][name]["runs"]
                        if r["seed"] == measured["seeds"][0]) for name in RECIPES}
    s = summaries(measured)
    title = (f"The lesson's model follows the film's border: with another class's border "
             f"pasted on, {s['lesson']['donor']['mean']:.0%} of its predictions follow the border "
             f"(seeds {measured['seeds'][0]}-{measured['seeds'][-1]}); masked-border cannot see "
             f"it, and scores {s['masked-border']['accuracy']['mean']:.3f} against "
             f"{s['lesson']['accuracy']['mean']:.3f}.\nRows: Grad-CAM (seed {measured['seeds'][0]}; "
             f"each unit at its receptive field's centre; dashed: the band's inner edge) and, "
             f"right, that model's border checks on the {measured['test_images']} test images "
             f"(dotted: always guessing the largest class)")
    fig = plots.plot_where_it_looks(models, images, test.classes[chosen],
                                    list(test.class_indices), first, measured["band"],
                                    chance=measured["test_chance"], title=title)
    fig.savefig(PICTURE, dpi=90)
    plt.close(fig)


def write_measured(measured):
    text = ('"""Figures measured on the full covid set by benchmarks/shortcuts.py (do not edit: '
            'run it again).\n\nThe notebooks and the README caption test read them: a fresh '
            'clone has no ../shared\ndata to train on. Accuracies are fractions of the 66 test '
            'images (or of the 60 left\nwithout the test images that copy training images); '
            'seconds are one minicnn thread.\n"""\n'
            f"MEASURED = {pprint.pformat(measured, width=100, sort_dicts=False)}\n")
    with open(MEASURED, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("1-6"))
    parser.add_argument("--probe-seeds", type=parse_seeds, default=parse_seeds("1-6"))
    parser.add_argument("--skip-probe", action="store_true")
    parser.add_argument("--runs", default=os.path.join("runs", "shortcuts"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--redraw", action="store_true",
                        help="no training: the picture, tables and caption again from "
                             "covid_measured.py and the models in --runs")
    args = parser.parse_args()
    data = os.path.join(args.shared, "covid19-dataset")
    if not os.path.isdir(data):
        print(f"skipped: {data} not found (the full covid set lives in ../shared/data beside "
              f"the repository; pass --shared DIR)")
        return 0
    if args.redraw:
        from minicnn.apps.shortcut_learning.covid_measured import MEASURED as measured
        picture(measured, args.runs, data)
        print("\n".join(tables(measured)))
    else:
        measured = measure(args, data)
    if not args.no_write and not args.redraw:
        write_measured(measured)
        picture(measured, args.runs, data)
        from results_file import append_section
        append_section(tables(measured))
    print("\n".join(recipe_rows(measured)))
    print()
    print(caption(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
