# Lets the tests import counter.py, whether run from here or from the workbook's root.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
