# Lets the tests import xml_to_json.py, whether run from here or from the workbook's root.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
