"""Figures measured on the full datasets, for readers that cannot train on them.

The benchmarks write them to benchmarks/results/ in minicnn's repository; the package ships
that folder as minicnn/measured (a link in the repository, copied into an installed
package), and the notebooks and reports read them here:

    covid_figures()     shortcuts_covid.json: benchmarks/shortcuts.py (notebook 07)
    galaxy_figures()    galaxy_recipes.json: benchmarks/galaxy_recipes.py (notebook 09, the
                        galaxy report's probe line)
"""
import json
import os

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "measured")
FILE = os.path.join(FOLDER, "shortcuts_covid.json")
GALAXY_FILE = os.path.join(FOLDER, "galaxy_recipes.json")


def covid_figures(path=FILE):
    """The covid figures (a dict); a FileNotFoundError that says where they come from."""
    return _read(path, "benchmarks/shortcuts.py")


def galaxy_figures(path=GALAXY_FILE):
    """The galaxy recipes' figures (a dict), as covid_figures."""
    return _read(path, "benchmarks/galaxy_recipes.py")


def _read(path, script):
    path = os.path.normpath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: not found. These figures are written by {script} "
                                f"(into benchmarks/results, which the package ships as "
                                f"minicnn/measured)")
    with open(path, encoding="utf-8") as f:
        return json.load(f)
