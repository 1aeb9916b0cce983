"""How course_lib's modules depend on each other: no private imports, NumPy-only cores."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import course_lib

PACKAGE = Path(course_lib.__file__).parent


def _is_private(name):
    """`_name` is private; the exercise placeholder `____` (underscores only) is public."""
    return name.startswith("_") and name.strip("_") != ""


def _private_imports(path):
    """`(line, module, name)` for each `from course_lib... import _name` in the file at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("course_lib"):
            found += [(node.lineno, node.module, alias.name) for alias in node.names if _is_private(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found += [
                (node.lineno, "." * node.level + (node.module or ""), alias.name)
                for alias in node.names
                if _is_private(alias.name)
            ]
    return found


def test_no_module_imports_private_names_of_another():
    """Private modules (`_validation`, `search._common`) share public names; `_names` stay in their module."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: from {module} import {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, module, name in _private_imports(path)
    ]
    assert not offenders, "private names imported across modules:\n" + "\n".join(offenders)


def test_the_private_import_check_sees_an_offender(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("from course_lib.metrics import _nearest_indices\nfrom course_lib._validation import as_matrix\n")
    assert _private_imports(module) == [(1, "course_lib.metrics", "_nearest_indices")]


def test_similarity_and_metrics_work_without_keras():
    code = (
        "import json, sys\n"
        "import numpy as np\n"
        "from course_lib import metrics, similarity\n"
        "x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])\n"
        "scores = [metrics.evaluate_retrieval(x, [0, 0, 1, 1], metric=metric, ks=(1,))\n"
        "          for metric in similarity.METRICS]\n"
        "scores.append(metrics.evaluate_retrieval(x[:2], [0, 1], x, [0, 0, 1, 1], ks=(1, 2)))\n"
        "similarity.cosine_similarity(x)\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('keras', 'tensorflow'))\n"
        "print(json.dumps({'scores': scores, 'loaded': loaded}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    assert report["loaded"] == []
    assert report["scores"] == [
        {"R@1": 1.0, "MAP@R": 1.0},
        {"R@1": 1.0, "MAP@R": 1.0},
        {"R@1": 0.5, "R@2": 0.5, "MAP@R": 0.5},
    ]
