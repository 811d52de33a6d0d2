import sys

from minicnn.apps.cli import main

sys.exit(main())
