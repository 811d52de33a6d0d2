"""The figures measured on the full covid set, for readers that cannot train on it.

benchmarks/shortcuts.py measures them (seeds 1-6, one thread) and writes them to
benchmarks/results/shortcuts_covid.json in minicnn's repository; the package ships that
folder as minicnn/measured (a link in the repository, copied into an installed package),
and notebook 07 reads them here.

    covid_figures()     the JSON as a dict (its keys: benchmarks/shortcuts.py's measure())
"""
import json
import os

FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "measured",
                    "shortcuts_covid.json")


def covid_figures(path=FILE):
    """The measured figures (a dict); a FileNotFoundError that says where they come from."""
    path = os.path.normpath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: not found. The covid figures are written by "
                                f"benchmarks/shortcuts.py (into benchmarks/results, which the "
                                f"package ships as minicnn/measured)")
    with open(path, encoding="utf-8") as f:
        return json.load(f)
