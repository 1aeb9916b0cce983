"""How course_lib's modules depend on each other.

- No module imports another module's private (`_name`) names.
- No import cycle: the graph of every `course_lib` import, at module level or inside a
  function (a lazy import is still a dependency), counting the package `__init__` that
  importing a submodule runs first, has no cycle.
- Layers: the library never imports the tools built on it (`exercises`, `notebooks`, `cli`,
  `bench`, `__main__`).
- The NumPy cores (similarity, metrics) import neither Keras nor TensorFlow.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import course_lib

PACKAGE = Path(course_lib.__file__).parent


def _is_private(name):
    """`_name` is private; `__dunder__` names and the exercise placeholder `____` are public."""
    return name.startswith("_") and name.strip("_") != "" and not (name.startswith("__") and name.endswith("__"))


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


# The tools built on the library: the library never imports them.
TOOLS = ("course_lib.exercises", "course_lib.notebooks", "course_lib.cli", "course_lib.bench", "course_lib.__main__")


def _module_names():
    """`{dotted module name: path}` of every module of course_lib (a package by its `__init__`)."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _imported_modules(path, modules):
    """The course_lib modules that the file at `path` imports, anywhere in its code."""
    found = set()
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x` inside package a.b is a.b.x
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:  # `import course_lib.x.y` names y; an attribute names x
                name = name.rpartition(".")[0]
            if name.startswith("course_lib"):
                found.add(name)
    return found


def import_graph():
    """`{module: modules it imports}`; importing `a.b.c` also runs the packages `a.b` (unless inside it)."""
    modules = _module_names()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for target in _imported_modules(path, modules):
            targets.add(target)
            parts = target.split(".")
            for end in range(1, len(parts)):
                parent = ".".join(parts[:end])
                if not (name == parent or name.startswith(parent + ".")):  # the importer's own packages
                    targets.add(parent)
        graph[name] = targets - {name}
    return graph


def find_cycles(graph):
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles (each list imports itself through the others):\n" + "\n".join(map(str, cycles))


def test_the_cycle_finder_sees_a_cycle_and_a_package_run_first():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    graph = import_graph()
    assert "course_lib.search" in graph["course_lib.explorer"]  # it imports course_lib.search.exact
    assert "course_lib.search" not in graph["course_lib.search.ivf"]  # a module of the package itself


def _is_tool(name):
    return any(name == tool or name.startswith(tool + ".") for tool in TOOLS)


def test_the_library_never_imports_the_tools_built_on_it():
    graph = import_graph()
    offenders = [
        f"{name} imports {target}"
        for name, targets in sorted(graph.items())
        if not _is_tool(name)
        for target in sorted(targets)
        if _is_tool(target)
    ]
    assert not offenders, "library modules importing exercises, notebooks, cli or bench:\n" + "\n".join(offenders)


def test_no_module_re_exports_lazily():
    """No module-level `__getattr__`: each name has one home, imported from there."""
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(
            isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
            for node in ast.parse(path.read_text(encoding="utf-8")).body
        )
    ]
    assert not offenders, f"lazy re-exports (module __getattr__): {offenders}"


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
