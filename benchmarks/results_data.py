"""Measured figures as data: each benchmark appends its run to benchmarks/results/NAME.json
(a list of runs, newest last); docs quote the newest run, and tests/test_speed_docs.py
checks that the numbers they quote are the file's."""
import datetime
import json
import os

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def path(name):
    return os.path.join(FOLDER, f"{name}.json")


def append_run(name, run):
    """Add ``run`` (a dict; its date and the machine's load are added) to NAME.json."""
    os.makedirs(FOLDER, exist_ok=True)
    runs = load_runs(name)
    run = {"date": datetime.date.today().isoformat(), "load_before": load(), **run}
    runs.append(run)
    with open(path(name) + ".tmp", "w") as f:
        json.dump(runs, f, indent=1)
        f.write("\n")
    os.replace(path(name) + ".tmp", path(name))
    print(f"appended to {path(name)}")
    return run


def load_runs(name):
    try:
        with open(path(name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return []


def load():
    """The 1-minute load average and the threads running now (/proc/loadavg), or None."""
    try:
        with open("/proc/loadavg") as f:
            fields = f.read().split()
        return {"one_minute": float(fields[0]), "running": int(fields[3].split("/")[0])}
    except (OSError, ValueError, IndexError):
        return None
