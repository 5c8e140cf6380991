# Lets the tests import recent_logs.py, whether run from here or from the workbook's root.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
