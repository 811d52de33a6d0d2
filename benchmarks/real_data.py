"""Train the project scripts on the real datasets and record the results.

    python benchmarks/real_data.py [--shared ../shared/data] [--runs runs/real-data] [--summarize-only]

Runs, through the ``minicnn`` command: the X-ray model on the covid set with
seeds 0, 1, 2 (20 epochs), on the pneumonia-vs-normal set (5 epochs), and the
galaxy model on Galaxy Zoo 1 (15 epochs); then appends a table of test
accuracy, AUC, per-class recall and seconds per epoch to RESULTS.md.
With --summarize-only it reads the runs' metrics.json without training.
"""
import argparse
import json
import os
import subprocess
import sys

from results_file import RESULTS, append_section

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = [  # (name, project, dataset folder, epochs, seed)
    ("covid, seed 0", "xray", "covid19-dataset", 20, 0),
    ("covid, seed 1", "xray", "covid19-dataset", 20, 1),
    ("covid, seed 2", "xray", "covid19-dataset", 20, 2),
    ("pneumonia vs normal", "xray", "chest-xray-pneumonia", 5, 0),
    ("galaxy zoo 1", "galaxy", "galaxy-zoo1", 15, 0),
]


def run_dir(root, name):
    return os.path.join(root, name.replace(", ", "-").replace(" ", "-"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared", "data"))
    parser.add_argument("--runs", default=os.path.join("runs", "real-data"))
    parser.add_argument("--summarize-only", action="store_true")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    if not args.summarize_only:
        for name, project, folder, epochs, seed in RUNS:
            data = os.path.join(args.shared, folder)
            if not os.path.isdir(data):
                raise SystemExit(f"{data}: not found; pass --shared DIR")
            subprocess.run([sys.executable, "-m", "minicnn", "train", project, "--data", data,
                            "--epochs", str(epochs), "--seed", str(seed), "--quiet",
                            "--out", run_dir(args.runs, name)], check=True)
    lines = ["## Training scripts on the real datasets", "",
             "Test-set figures after training (20% of each training class held out for validation; "
             "defaults otherwise: Adam 1e-3, batch 32, the lessons' augmentation). Seconds per "
             "epoch include validation; the first epoch also decodes every image (later ones "
             "read the in-memory cache). Two numba threads (the machine's 2 cores).", "",
             "| run | epochs | test images | accuracy | AUC (macro, one-vs-rest) | recall per class | s/epoch |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, *_ in RUNS:
        with open(os.path.join(run_dir(args.runs, name), "metrics.json")) as f:
            m = json.load(f)
        t = m["test"]
        recall = ", ".join(f"{k} {v['recall']:.2f}" for k, v in t["per_class"].items())
        lines.append(f"| {name} | {m['epochs']} | {t['samples']} | {t['accuracy']:.3f} | "
                     f"{t['auc']:.3f} | {recall} | {m['seconds_per_epoch']:.1f} |")
    append_section(lines, args.out)


if __name__ == "__main__":
    main()
