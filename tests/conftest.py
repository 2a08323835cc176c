import sys
from pathlib import Path

# Let test modules import tests/course.py as `course`.
sys.path.insert(0, str(Path(__file__).parent))
