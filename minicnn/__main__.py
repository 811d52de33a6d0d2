import sys

from minicnn.apps.cli import run

sys.exit(run())
