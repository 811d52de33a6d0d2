"""The galaxy recipes measured (issue 35): each recipe's cross-validation on the training
images (`minicnn train galaxy --recipe NAME --cv 4`), and, for the lesson and the recipe
the cross-validation chose, full runs on seeds 1-3 scored on the test set. Everything goes
through the `minicnn` command, one thread per run (two runs side by side on a 2-core
machine), and lands in benchmarks/results/galaxy_recipes.json, which the README's galaxy
rows, notebook 09 and the galaxy report read (minicnn/measured/galaxy_recipes.json).

    python benchmarks/galaxy_recipes.py --data galaxy-zoo1 --runs runs/galaxy-recipes

A run whose output (cv.json, metrics.json) is already in --runs is read, not run again,
so the script can be run in parts (or two at once on different recipes)."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shortcuts import ci, stats  # noqa: E402  (the seeds' mean, sd and t interval; its text)

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                       "galaxy_recipes.json")
# name in the results: (recipe, options beyond the recipe's own)
CV_RUNS = {"lesson": ("lesson", []),
           "lesson, sqrt-balanced": ("lesson", ["--class-weight", "sqrt-balanced"]),
           "four-blocks": ("four-blocks", []),
           # the class weights' trade on the same network (sqrt-balanced is the recipe's)
           "four-blocks, balanced": ("four-blocks", ["--class-weight", "balanced"]),
           "four-blocks, no weights": ("four-blocks", ["--class-weight", "none"]),
           "border-only": ("border-only", []),
           "radial-profile": ("radial-profile", [])}
TEST_RECIPES = {"four-blocks": [],  # the lesson's test runs: the README's command, sqrt weights
                "lesson": ["--class-weight", "sqrt-balanced"]}
PROBES = ("border-only", "radial-profile")
SEEDS = (1, 2, 3)
RARE = "merger"


def minicnn(*args):
    command = [sys.executable, "-m", "minicnn", *args]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def cross_validation(name, data, runs, folds):
    recipe, extra = CV_RUNS[name]
    out = os.path.join(runs, "cv-" + name.replace(", ", "-").replace(" ", "-"))
    if not os.path.isfile(os.path.join(out, "cv.json")):
        minicnn("train", "galaxy", "--recipe", recipe, "--data", data, "--cv", str(folds),
                "--seed", "0", "--threads", "1", "--quiet", "--out", out, *extra)
    with open(os.path.join(out, "cv.json")) as f:
        cv = json.load(f)
    return {"command": " ".join([f"minicnn train galaxy --recipe {recipe} --data galaxy-zoo1 "
                                 f"--cv {folds}", *extra]),
            "accuracy": cv["pooled"]["accuracy"], "macro_recall": cv["pooled"]["macro_recall"],
            "recall": cv["pooled"]["recall"], "accuracy_folds": cv["spread"]["accuracy"],
            "recall_folds": cv["spread"]["recall"], "seconds": cv["seconds"],
            "epochs": cv["epochs"], "class_weight": cv["class_weight"]}


def test_runs(recipe, extra, data, runs):
    found = []
    for seed in SEEDS:
        out = os.path.join(runs, f"{recipe}-s{seed}")
        if not os.path.isfile(os.path.join(out, "metrics.json")):
            minicnn("train", "galaxy", "--recipe", recipe, "--data", data, "--seed", str(seed),
                    "--threads", "1", "--quiet", "--out", out, *extra)
        with open(os.path.join(out, "metrics.json")) as f:
            found.append(json.load(f))
    test = [m["test"] for m in found]
    classes = list(test[0]["per_class"])
    return {"command": " ".join(["minicnn train galaxy", "--recipe", recipe,
                                 "--data galaxy-zoo1", *extra]),
            "seeds": list(SEEDS), "accuracy": [t["accuracy"] for t in test],
            "accuracy_stats": stats([t["accuracy"] for t in test]),
            "recall": {c: [t["per_class"][c]["recall"] for t in test] for c in classes},
            "recall_stats": {c: stats([t["per_class"][c]["recall"] for t in test])
                             for c in classes},
            "macro_recall": stats([t["macro_recall"] for t in test]),
            "training_seconds": [m["seconds_per_epoch"] * m["epochs"] for m in found],
            "quiet_training_seconds": quiet_seconds(recipe, extra, data, runs),
            "epochs": found[0]["epochs"], "test_images": test[0]["samples"],
            "rare_class_images": test[0]["per_class"][RARE]["support"]}


# -- the README's rows, from the figures (tests/test_galaxy_recipes.py checks the README) -----
def recipe_rows(figures):
    """The README recipe table's galaxy rows: the test figures of seeds 1-3."""
    rows = []
    for name, label in (("lesson", "lesson"), ("four-blocks", "four-blocks")):
        test, cv = figures["test"][name], figures["cv"][name if name != "lesson" else
                                                       "lesson, sqrt-balanced"]
        recalls = ", ".join(f"{c} {st['mean']:.2f}" for c, st in test["recall_stats"].items())
        seconds = sorted(round(t) for t in test["training_seconds"])
        beside = f"{seconds[0]}" if seconds[0] == seconds[-1] else f"{seconds[0]}-{seconds[-1]}"
        rows.append(
            f"| Galaxy Zoo, 4 classes ({label}) | `{test['command']}` | "
            f"{ci(test['accuracy_stats'])}, seeds 1-3; cross-validation on the training images "
            f"{cv['accuracy']:.3f}; {test['quiet_training_seconds']:.0f} s of training on one "
            f"thread of a quiet machine ({beside} s with another run beside it) | merger recall "
            f"{test['recall_stats'][RARE]['mean']:.2f} ({recalls}) |")
    return rows


def cv_rows(figures):
    """The README's cross-validation table: every recipe and probe, pooled out-of-fold."""
    rows = ["| recipe (4-fold cross-validation, 2,370 training images) | accuracy (folds: mean "
            "+- sd) | merger recall | mean per-class recall |", "| --- | --- | --- | --- |"]
    for name, cv in figures["cv"].items():
        rows.append(f"| `{name}` | {cv['accuracy']:.3f} ({cv['accuracy_folds'][0]:.3f} +- "
                    f"{cv['accuracy_folds'][1]:.3f}) | {cv['recall'][RARE]:.2f} | "
                    f"{cv['macro_recall']:.3f} |")
    return rows


def quiet_seconds(recipe, extra, data, runs):
    """Seed 1's training time alone on the machine (nothing else running): the runs above
    go two at a time. Run last, when the machine is quiet."""
    out = os.path.join(runs, "quiet", f"{recipe}-s1")
    if not os.path.isfile(os.path.join(out, "metrics.json")):
        minicnn("train", "galaxy", "--recipe", recipe, "--data", data, "--seed", "1",
                "--threads", "1", "--quiet", "--out", out, *extra)
    with open(os.path.join(out, "metrics.json")) as f:
        found = json.load(f)
    return found["seconds_per_epoch"] * found["epochs"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the galaxy-zoo1 folder (train/, test/)")
    parser.add_argument("--runs", required=True, help="where the runs are written (and read)")
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args()
    cv = {name: cross_validation(name, args.data, args.runs, args.folds) for name in CV_RUNS}
    # the recipes and their variants (not the probes), by pooled out-of-fold accuracy; the
    # winner's name is a recipe as shipped only when it has no options beyond the recipe's
    chosen = max((name for name in CV_RUNS if name not in PROBES),
                 key=lambda name: cv[name]["accuracy"])
    tests = {recipe: test_runs(recipe, extra, args.data, args.runs)
             for recipe, extra in TEST_RECIPES.items()}
    n = tests[chosen]["test_images"]
    accuracy = tests[chosen]["accuracy_stats"]["mean"]
    summary = {"data": "Galaxy Zoo 1, 2,370 training and 593 test images (docs/data.md)",
               "how": "one thread per run, two runs side by side on the 2-core machine",
               "chosen_by_cv": chosen, "cv": cv, "test": tests,
               # what the test set alone can tell apart: a binomial 95% half-width at the
               # chosen recipe's accuracy, and one rare-class image's weight in its recall
               "test_set_half_width": float(1.96 * np.sqrt(accuracy * (1 - accuracy) / n)),
               "one_rare_image": 1 / tests[chosen]["rare_class_images"]}
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps({r: round(c["accuracy"], 3) for r, c in cv.items()}), "chosen:", chosen)
    print("\n".join(recipe_rows(summary) + [""] + cv_rows(summary)))


if __name__ == "__main__":
    main()
