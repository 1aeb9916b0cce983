"""Date, machine and package versions of a notebook run (`run-info.json`)."""

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

__all__ = ["RUN_INFO_NAME", "collect_run_info", "write_run_info", "format_run_info"]

RUN_INFO_NAME = "run-info.json"
_PACKAGES = {
    "TensorFlow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos"),
    "Keras": ("keras",),
    "NumPy": ("numpy",),
    "scikit-learn": ("scikit-learn",),
}


def _version(names):
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _describe_devices_in_child():
    """`describe_devices()` run in a child process, so TensorFlow is not imported here
    (the notebooks' runners are forked from this process). Empty dict if it fails."""
    code = (
        "import json; from course_lib.device import describe_devices; "
        "info = describe_devices(); print(json.dumps({key: info[key] for key in "
        "('accelerator', 'gpu_names', 'cpu_cores')}))"
    )
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return {}


def collect_run_info(*, devices=None, limits=None, now=None):
    """The facts a reader needs to trust a run: when, on what, with which versions.

    Args:
        devices: dict from `course_lib.device.describe_devices()` (its
            `accelerator`, `gpu_names`, `cpu_cores`); None calls it in a child
            process (which imports TensorFlow).
        limits: optional dict with `cpus` (int or None) and `memory` (MiB or
            None) that the run was confined to (`run --binder`).
        now: a timezone-aware `datetime.datetime`; defaults to the current UTC time.

    Returns:
        A JSON-ready dict with `date` (ISO 8601, UTC), `machine` (`cpu`,
        `cpu_cores`, `accelerator`, `gpus`, `platform`), `limits` and
        `versions` (Python, TensorFlow, Keras, NumPy, scikit-learn; None when
        a package is missing).

    Raises:
        TypeError: if `devices` or `limits` is not a dict, or `now` is not a
            timezone-aware datetime.

    Example:

    >>> info = collect_run_info(devices={"accelerator": "CPU", "gpu_names": [], "cpu_cores": 2},
    ...     now=datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.timezone.utc))
    >>> info["date"], info["machine"]["accelerator"], info["machine"]["cpu_cores"]
    ('2026-12-02T04:00:00+00:00', 'CPU', 2)
    """
    if devices is None:
        devices = _describe_devices_in_child()
    for name, value in (("devices", devices), ("limits", limits)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"`{name}` must be a dict (or None); received {type(value).__name__}.")
    now = now if now is not None else datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(now, datetime.datetime) or now.tzinfo is None:
        raise TypeError(f"`now` must be a timezone-aware datetime, e.g. datetime.now(timezone.utc); received {now!r}.")
    versions = {"Python": platform.python_version()}
    versions.update({label: _version(names) for label, names in _PACKAGES.items()})
    return {
        "date": now.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu_model(),
            "cpu_cores": devices.get("cpu_cores") or os.cpu_count(),
            "accelerator": devices.get("accelerator", "CPU"),
            "gpus": list(devices.get("gpu_names") or []),
            "platform": f"{platform.system()} {platform.machine()}",
        },
        "limits": {"cpus": (limits or {}).get("cpus"), "memory_mib": (limits or {}).get("memory")},
        "versions": versions,
    }


def write_run_info(out_dir, info, runs):
    """Writes `run-info.json` into `out_dir`: `info` plus each notebook's status and time.

    Args:
        out_dir: the folder of the executed notebooks.
        info: dict from `collect_run_info`.
        runs: the `NotebookRun`s of the run, in order.

    Returns:
        The path written. An existing file's entries for notebooks not in
        `runs` are kept, so running one notebook again leaves the others'.
    """
    path = Path(out_dir) / RUN_INFO_NAME
    notebooks = {}
    if path.is_file():
        try:
            notebooks = json.loads(path.read_text(encoding="utf-8")).get("notebooks", {})
        except ValueError:
            notebooks = {}
    for run in runs:
        notebooks[run.notebook.stem] = {
            "status": run.status,
            "seconds": round(run.seconds, 1),
            "peak_mib": round(run.peak_mib) if run.peak_mib is not None else None,
            "date": info["date"],
        }
    data = {**info, "notebooks": dict(sorted(notebooks.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def format_run_info(info):
    """Markdown lines that tell a reader of the site where and when the outputs were made.

    Example:

    >>> info = collect_run_info(devices={"accelerator": "CPU", "gpu_names": [], "cpu_cores": 2},
    ...     now=datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.timezone.utc))
    >>> print(format_run_info(info).splitlines()[0])
    The outputs on this site (tables, plots, timings) come from one run of every notebook:
    """
    if info is None:
        return (
            "The outputs on this site come from a run whose date, machine and versions "
            f"were not recorded (no `{RUN_INFO_NAME}` in its folder)."
        )
    machine, limits = info["machine"], info.get("limits") or {}
    if machine["accelerator"] == "GPU" and machine["gpus"]:
        device = f"GPU ({', '.join(machine['gpus'])})"
    else:
        device = "CPU only"
    confined = ""
    if limits.get("cpus") or limits.get("memory_mib"):
        confined = (
            f", confined to {limits.get('cpus') or 'all'} CPU(s) and {limits['memory_mib']:.0f} MiB of memory"
            if limits.get("memory_mib")
            else f", confined to {limits['cpus']} CPU(s)"
        )
    versions = ", ".join(f"{name} {version or 'not installed'}" for name, version in info["versions"].items())
    lines = [
        "The outputs on this site (tables, plots, timings) come from one run of every notebook:",
        "",
        f"- **date:** {info['date'].replace('T', ' ').replace('+00:00', ' UTC')}",
        f"- **machine:** {machine['cpu']}, {machine['cpu_cores']} core(s), {device}, {machine['platform']}{confined}",
        f"- **versions:** {versions}",
    ]
    if limits.get("cpus") and limits["cpus"] < (machine.get("cpu_cores") or 0):
        lines.append(
            f"- **note:** with {limits['cpus']} CPU(s) instead of {machine['cpu_cores']}, trained figures "
            "(losses, and R@k and MAP@R of trained models) can differ in the last digits from those "
            "quoted in the notebooks' text, which come from runs on all the CPU cores named in each "
            "notebook's run-time line."
        )
    timed = {stem: entry for stem, entry in info.get("notebooks", {}).items() if entry.get("seconds")}
    if timed:
        lines.append(
            "- **wall time per notebook:** "
            + ", ".join(f"{stem[:2]} {entry['seconds']:.0f} s" for stem, entry in timed.items())
        )
    return "\n".join(lines)
