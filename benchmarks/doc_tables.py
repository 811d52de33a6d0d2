"""The tables docs/speed.md quotes, made from the newest runs in benchmarks/results/*.json.

    python benchmarks/doc_tables.py          print them
    python benchmarks/doc_tables.py --write  put them into docs/speed.md

docs/speed.md holds each table between ``<!-- name -->`` and ``<!-- /name -->``;
tests/test_speed_docs.py checks that what is there is what this script makes from the
data files, so that the docs never quote a number the benchmarks did not write.
"""
import argparse
import os
import re

from results_data import load_runs

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "speed.md")
WORKLOADS = ("xray", "galaxy", "mnist", "galaxy-b5")


def newest(name, where=None):
    runs = [run for run in load_runs(name) if where is None or where(run)]
    return runs[-1] if runs else None


def load_text(load):
    return "unknown" if not load else f"{load['one_minute']:.1f}"


def steps():
    run = newest("train_step")
    if run is None:
        return ["(no run of benchmarks/train_step.py yet)"]
    loads = ", ".join(load_text(w["quiet_load"]) for w in run["workloads"].values())
    lines = [f"benchmarks/train_step.py, {run['date']}: median ms per step over "
             f"{run['passes']} interleaved passes of {run['steps']} steps; the 1-minute load "
             f"average was {loads} at the start of each workload ('quiet'). Above 1 in the "
             f"PyTorch / minicnn column: minicnn faster.", "",
             "| workload | minicnn, 1 thread | PyTorch, 1 thread | PyTorch / minicnn | "
             "NumPy ops (textbook mode) | minicnn, default threads | busy: default / 1 thread |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    default = f"minicnn-numba, {run['default_threads']} thr"
    for name in WORKLOADS:
        if name not in run["workloads"]:
            continue
        w = run["workloads"][name]
        quiet, busy = w["quiet_ms"], w["busy_ms"]
        ours, torch = quiet["minicnn-numba, 1 thr"], quiet.get("pytorch, 1 thr")
        versus = f"{torch / ours:.2f}x" if torch else "n/a"
        torch_text = f"{torch:.2f}" if torch else "n/a"
        lines.append(f"| {name} (batch {w['batch']}) | {ours:.2f} | {torch_text} | {versus} | "
                     f"{quiet['minicnn-numpy, 1 thr']:.2f} | {quiet[default]:.2f} | "
                     f"{busy[default] / busy['minicnn-numba, 1 thr']:.2f} |")
    return lines


def first_steps():
    run = newest("train_step")
    if run is None or "first_step" not in run:
        return ["(no run of benchmarks/train_step.py yet)"]
    return [f"- {name}: {f['empty_cache_s']:.1f} s ({f['empty_cache_cpu_s']:.1f} s of CPU time, "
            f"load {load_text(f['load'])}) with an empty numba cache; {f['cached_s']:.2f} s "
            f"from the cache." for name, f in run["first_step"].items()]


def floors():
    run = newest("floors")
    if run is None:
        return ["(no run of benchmarks/floors.py yet)"]
    lines = [f"benchmarks/floors.py, {run['date']} (load {load_text(run['load_before'])} at "
             f"the start): one thread; peak {run['peak_gflops']:.0f} GFLOP/s (sgemm), "
             f"bandwidth {run['bandwidth_gbs']:.1f} GB/s (copy); times are medians of "
             f"{run['rounds']} interleaved rounds, ms.", "",
             "| workload | layer | direction | floor | minicnn | fraction | PyTorch | fraction |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, w in run["workloads"].items():
        for unit in w["units"]:
            torch = unit["pytorch_ms"]
            theirs = (f"{torch:.3f} | {unit['floor_ms'] / torch:.0%}" if torch else "n/a | n/a")
            lines.append(f"| {name} | {unit['layer']} | {unit['direction']} | "
                         f"{unit['floor_ms']:.3f} | {unit['minicnn_ms']:.3f} | "
                         f"{unit['floor_ms'] / unit['minicnn_ms']:.0%} | {theirs} |")
    return lines


def before_after():
    lines = []
    for busy in (False, True):
        run = newest("before_after", lambda r, busy=busy: r["busy"] == busy)
        if run is None:
            continue
        machine = "two CPU-bound processes running" if busy else "no processes of its own"
        lines += [f"benchmarks/before_after.py{' --busy' if busy else ''}, {run['date']} "
                  f"({machine}; load {load_text(run['load_before'])} at the start): median ms "
                  f"per step over {run['rounds']} alternated rounds of fresh processes.", "",
                  "| workload | threads | before | after | after / before |",
                  "| --- | --- | --- | --- | --- |"]
        for key, ms in run["ms"].items():
            lines.append(f"| {key} | {ms['before']:.2f} | {ms['after']:.2f} | "
                         f"{ms['after'] / ms['before']:.2f} |")
        lines.append("")
    return lines[:-1] or ["(no run of benchmarks/before_after.py yet)"]


TABLES = {"steps": steps, "first-steps": first_steps, "floors": floors,
          "before-after": before_after}


def render(text):
    """docs/speed.md's text with every table made anew from the data files."""
    for name, make in TABLES.items():
        block = f"<!-- {name} -->\n" + "\n".join(make()) + f"\n<!-- /{name} -->"
        text = re.sub(rf"<!-- {name} -->\n.*?<!-- /{name} -->", lambda m, block=block: block,
                      text, flags=re.S)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.write:
        with open(DOC) as f:
            text = f.read()
        with open(DOC, "w") as f:
            f.write(render(text))
        print(f"wrote {DOC}")
        return
    for name, make in TABLES.items():
        print(f"<!-- {name} -->\n" + "\n".join(make()) + f"\n<!-- /{name} -->\n")


if __name__ == "__main__":
    main()
