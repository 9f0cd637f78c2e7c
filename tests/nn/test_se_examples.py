"""examples/se_module.py and examples/se_from_scratch.py run and reach their conclusions."""
import pathlib
import runpy

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name, expected", [
    ("se_module.py", ["Total params: 580", "gradcheck (input, float64): True", "learned gates",
                      "  pool (AdaptiveAvgPool)   [8, 64, 1, 1]", "  flatten (Flatten)        [8, 64]"]),
    ("se_from_scratch.py", ["max |difference| of dL/dx         : 0.0", "equals the NCHW module's first sample: True"]),
])
def test_example_runs(capsys, name, expected):
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, text
