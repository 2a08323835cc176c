import sys
from pathlib import Path

import pytest
import torch

# Let test modules import tests/course.py as `course`.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def one_thread():
    """Run a test on one torch thread (tiny models: threads only add noise), then restore."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
