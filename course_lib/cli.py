"""The course's command line: `python -m course_lib <command>` (or `course-lib`).

Commands:

- `doctor`: checks the installation, the devices, the Jupyter kernel and the
  data; exit code 1 if something essential is wrong, with the fix.
- `run [NOTEBOOK ...] [--solved] [--out DIR] [--timeout SECONDS] [--no-html] [--record]`:
  executes notebooks headless into `<build dir>/executed/` (`.ipynb` + `.html`)
  and prints wall time and peak memory per notebook; `--record` stores the times
  in `notebooks/run_times.json` and rewrites each notebook's run-time header.
- `solve [NOTEBOOK ...] [--out DIR]`: writes solved notebooks to
  `<build dir>/solved/`.
- `headers [NOTEBOOK ...] [--check]`: rewrites each notebook's run-time line
  from `notebooks/run_times.json` and its study-time line from its own text,
  without running anything, and the generated tables of `docs/` (study times,
  make targets).
- `clean [NOTEBOOK ...] [--check]`: strips outputs, execution counts and
  volatile metadata in place.
- `bench [--n-database N] [--n-queries N] [--dim D] [--k K] [--repeats R] [--json]`:
  exact cosine top-k search throughput of `course_lib.top_k` against NumPy,
  scikit-learn and faiss (`course_lib.bench`).
- `site [--runs DIR] [--out DIR] [--check]`: builds the course website from executed
  notebooks, or checks the built one (`course_lib.notebooks.site`).
- `class-leaderboard FOLDER [--tolerance T] [--domain NAME ...] [--csv PATH]`: gathers
  several learners' results files (one sub-folder or zip file each) into one table per
  domain (`course_lib.class_leaderboard`).

A NOTEBOOK is a path, a file stem (`01_similarity_basics`) or a unique prefix
(`01`) of a notebook in `notebooks/`; none means every course notebook.

This module parses the arguments and prints; what the commands decide lives in
`course_lib.notebooks`: which notebooks a command line names
(`files.resolve_notebooks`), the limits and budgets of a run, Binder's among them
(`limits`), what `--record` stores and what `headers --check` compares
(`run_times`), and how solved copies run (`solve.solved_run`).
"""

import argparse
import datetime
import os
import sys
from pathlib import Path

from course_lib import notebooks as nbtools
from course_lib.doctor import doctor as run_doctor
from course_lib.notebooks.limits import check_budgets, run_limits, total_over_budget
from course_lib.notebooks.solve import solved_run
from course_lib.paths import build_dir, project_root
from course_lib.tables import format_table

__all__ = ["main"]


def _run(args, out):
    paths = nbtools.resolve_notebooks(args.notebooks)
    env, cwd, out_dir = {}, None, args.out
    if args.solved and args.record:
        raise ValueError("--record measures the notebooks as shipped; run it without --solved.")
    if args.solved:
        paths, cwd, env, solved_out = solved_run(paths)
        out_dir = out_dir or solved_out
    limits = run_limits(
        binder=args.binder,
        cpus=args.cpus,
        memory=args.memory_limit,
        notebook=args.max_seconds,
        cell=args.max_cell_seconds,
        total=args.max_total_seconds,
    )
    if limits["cpus"] and args.record:
        raise ValueError("--record stores the times of a normal run; run it without --cpus/--binder.")
    from course_lib.notebooks.site import collect_run_info, write_run_info

    started = datetime.datetime.now(datetime.timezone.utc)
    runs = nbtools.run_notebooks(
        paths,
        out_dir=out_dir,
        cwd=cwd,
        timeout=args.timeout,
        html=not args.html_off,
        env=env,
        progress=sys.stderr,
        cpus=limits["cpus"],
        memory_limit_mib=limits["memory"],
    )
    # The date, machine and versions the course website shows (course_lib.notebooks.site).
    write_run_info(out_dir or build_dir() / "executed", collect_run_info(limits=limits, now=started), runs)
    check_budgets(runs, limits)
    body = [
        [
            run.notebook.stem,
            run.status,
            f"{run.seconds:.1f}",
            f"{run.peak_mib:.0f}" if run.peak_mib is not None else "-",
            f"{run.longest_cell_seconds:.1f}" if run.longest_cell_seconds is not None else "-",
            str(run.longest_cell or "-"),
            str(run.stderr_outputs) if run.stderr_outputs is not None else "-",
        ]
        for run in runs
    ]
    print(
        format_table(
            ["notebook", "status", "wall s", "peak MiB", "longest cell s", "cell", "stderr"],
            body,
            numeric=(2, 3, 4, 5, 6),
        ),
        file=out,
    )
    total = sum(run.seconds for run in runs)
    print(f"\nTotal {total:.1f} s", file=out)
    if limits["cpus"] or limits["memory"]:
        memory = f"{limits['memory']:.0f} MiB ({runs[0].memory_limit})" if limits["memory"] and runs else "none"
        print(f"Limits: {limits['cpus'] or 'all'} CPU(s), memory {memory}", file=out)
    failed = [run for run in runs if run.status != "ok"]
    for run in failed:
        where = f" at cell {run.cell}" if run.cell else ""
        print(f"\n{run.notebook.stem} {run.status}{where}: {run.error}", file=out)
    over_budget = total_over_budget(runs, limits)
    if over_budget:
        print(f"\n{over_budget}", file=out)
        failed = failed or runs
    if runs and runs[0].executed:
        print(f"\nExecuted notebooks in {runs[0].executed.parent}", file=out)
    if args.record:
        path, changed = nbtools.record_runs(runs)
        print(f"Recorded run times in {path}; headers rewritten: {', '.join(changed) or 'none'}", file=out)
    return 1 if failed else 0


def _solve(args, out):
    for path in nbtools.solve_notebooks(nbtools.resolve_notebooks(args.notebooks), out_dir=args.out):
        print(f"wrote {path}", file=out)
    return 0


def _clean(args, out):
    paths = nbtools.resolve_notebooks(args.notebooks)
    if args.check:
        problems = [problem for path in paths for problem in nbtools.notebook_problems(path)]
        for problem in problems:
            print(problem, file=out)
        print(f"{len(paths)} notebook(s) checked, {len(problems)} problem(s).", file=out)
        return 1 if problems else 0
    for path in paths:
        print(f"{'cleaned' if nbtools.clean_notebook(path) else 'clean  '}  {path}", file=out)
    return 0


def _headers(args, out):
    from course_lib.notebooks.files import sync_generated_block
    from course_lib.notebooks.make_targets import make_targets_table
    from course_lib.notebooks.run_times import (
        stale_time_lines,
        study_time_table_is_current,
        sync_study_time_table,
        update_header,
        update_study_time,
    )

    paths = nbtools.resolve_notebooks(args.notebooks)
    records = nbtools.read_run_times(paths[0].resolve().parent)
    guide = project_root() / "docs" / "instructors.md"
    with_guide = not args.notebooks and guide.is_file()  # the table covers the whole course
    # The contributor page's table of make targets, written from the Makefile's `##` lines.
    page, makefile = project_root() / "docs" / "contributing.md", project_root() / "Makefile"
    with_page = not args.notebooks and page.is_file() and makefile.is_file()
    if args.check:
        stale = stale_time_lines(paths, records)
        for path in stale:
            print(
                f"{path}: header time lines differ from the rule and run_times.json "
                f"(run `python -m course_lib headers`)",
                file=out,
            )
        if with_guide and not study_time_table_is_current(guide, paths, records):
            stale.append(guide)
            print(f"{guide}: study-time table differs (run `python -m course_lib headers`)", file=out)
        if with_page and make_targets_table(makefile) not in page.read_text(encoding="utf-8"):
            stale.append(page)
            print(f"{page}: table of make targets differs (run `python -m course_lib headers`)", file=out)
        print(f"{len(paths)} notebook(s) checked, {len(stale)} to rewrite.", file=out)
        return 1 if stale else 0
    for path in paths:
        record = records.get(path.stem)
        changed = update_header(path, record) if record else update_study_time(path)
        print(f"{'rewrote' if changed else 'current'}  {path}", file=out)
    if with_guide:
        changed = sync_study_time_table(guide, paths, records)
        print(f"{'rewrote' if changed else 'current'}  {guide} (study-time table)", file=out)
    if with_page:
        changed = sync_generated_block(page, "make-targets", make_targets_table(makefile))
        print(f"{'rewrote' if changed else 'current'}  {page} (make targets)", file=out)
    return 0


def _links(args, out):
    from course_lib.notebooks.links import repository_url, sync_links

    changed = sync_links(check=args.check)
    source = f"[project.urls] Repository = {repository_url()}"
    if args.check:
        for path in changed:
            print(
                f"{path}: links or Colab lines differ from {source} (run `python -m course_lib links` to rewrite them)",
                file=out,
            )
        print(f"{len(changed)} file(s) to rewrite.", file=out)
        return 1 if changed else 0
    print(f"Rewrote {', '.join(changed) or 'nothing (all up to date)'} from {source}.", file=out)
    return 0


def _bench(args, out):
    from course_lib import bench

    rows = bench.run_benchmark(
        n_database=args.n_database,
        n_queries=args.n_queries,
        dim=args.dim,
        k=args.k,
        repeats=args.repeats,
        seed=args.seed,
    )
    if args.json:
        print(bench.to_json(rows), file=out)
    else:
        title = (
            f"exact cosine top-{args.k}: {args.n_queries:,} queries into {args.n_database:,} x "
            f"{args.dim} float32, median of {args.repeats} runs, {os.cpu_count()} CPU(s)"
        )
        print(bench.format_table(rows, title=title), file=out)
    return 1 if bench.has_errors(rows) else 0


def _site(args, out):
    from course_lib.notebooks import site

    site_dir = args.out or build_dir() / "site"
    if not args.check:
        folder = args.runs or site.find_run_folder(
            [build_dir() / "executed", build_dir() / "site-run", build_dir() / "binder"]
        )
        if folder is None:
            raise ValueError(
                "No folder holds every notebook executed; run `make site` (it runs "
                "them) or pass --runs DIR from `python -m course_lib run --out DIR`."
            )
        config = site.assemble_site_source(folder, build_dir() / "site-src", site_dir=site_dir)
        site.build_site(config)
        print(
            f"Built {site_dir} from the notebooks executed in {folder}; open {Path(site_dir).resolve() / 'index.html'}",
            file=out,
        )
        return 0
    pages = ["index.md"] + [name for _, name in site.OPTIONAL_PAGES if (project_root() / "docs" / name).is_file()]
    problems = site.check_site(site_dir, pages=pages)
    for problem in problems:
        print(problem, file=out)
    print(f"{site_dir}: {len(problems)} problem(s).", file=out)
    return 1 if problems else 0


def _class_leaderboard(args, out):
    from course_lib import class_leaderboard

    print(class_leaderboard.class_report(args.folder, tolerance=args.tolerance, domains=args.domain), file=out)
    if args.csv:
        rows, _ = class_leaderboard.load_class_results(args.folder)
        path = class_leaderboard.write_class_csv(rows, args.csv)
        print(f"\nEvery learner's rows written to {path}", file=out)
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m course_lib",
        description="Tools for the Deep Similarity course: check the set-up, run, solve and clean the notebooks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    notebooks_help = (
        "notebook paths, stems (01_similarity_basics) or unique prefixes (01); default: every notebooks/NN_*.ipynb"
    )

    doctor = commands.add_parser(
        "doctor",
        help="check packages, devices, Jupyter kernel and data",
        description="Check that the course can run here: versions of Python and the packages, "
        "the devices TensorFlow sees, the 'deep-similarity' Jupyter kernel and the "
        "checksums of the shipped data. Exit code 1 if something essential is wrong.",
    )
    doctor.set_defaults(handler=lambda args, out: run_doctor(file=out))

    run = commands.add_parser(
        "run",
        help="execute notebooks headless; report time and peak memory",
        description="Execute notebooks headless, each in its own process with the current "
        "environment's python3 kernel, started in the notebook's folder. Writes the "
        "executed .ipynb and .html, then prints wall seconds, peak memory (MiB), "
        "the slowest cell and the number of stderr outputs per notebook. Exit code 1 "
        "if any notebook fails, writes to stderr or goes over a budget.",
    )
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help=notebooks_help)
    run.add_argument(
        "--solved",
        action="store_true",
        help="run solved copies (written to <build>/solved/) with "
        "COURSE_EXERCISE_EXPECT=correct; default --out <build>/executed-solved",
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: <build>/executed, build = $COURSE_BUILD_DIR or ./build)",
    )
    run.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS", help="seconds allowed per cell (default: 600)"
    )
    run.add_argument("--no-html", dest="html_off", action="store_true", help="skip the HTML export")
    run.add_argument("--cpus", type=int, metavar="N", help="run each notebook on N CPUs only (Linux)")
    run.add_argument(
        "--memory-limit",
        type=float,
        metavar="MIB",
        help="memory for each notebook's runner and kernel; above it the kernel is "
        "killed (a cgroup, where this machine allows one) or the notebook fails",
    )
    run.add_argument("--max-seconds", type=float, metavar="S", help="fail a notebook that takes longer than S seconds")
    run.add_argument(
        "--max-cell-seconds",
        type=float,
        metavar="S",
        help="fail a notebook whose slowest cell takes longer than S seconds",
    )
    run.add_argument(
        "--max-total-seconds",
        type=float,
        metavar="S",
        help="fail when all notebooks together take longer than S seconds",
    )
    run.add_argument(
        "--binder",
        action="store_true",
        help="a Binder session's limits: --cpus 1 --memory-limit 2048 "
        "--max-seconds 240 --max-cell-seconds 90 --max-total-seconds 1200 "
        "(options given explicitly win)",
    )
    run.add_argument(
        "--record",
        action="store_true",
        help="store the times in notebooks/run_times.json and rewrite each "
        "notebook's '**Run time:**' header line from them (not with --solved)",
    )
    run.set_defaults(handler=_run)

    solve = commands.add_parser(
        "solve",
        help="write notebooks with the exercise solutions filled in",
        description="Copy notebooks, replacing each exercise cell (code cell with metadata "
        "'exercise': '<id>') by its solution from course_lib.exercises. The copies "
        "have no outputs.",
    )
    solve.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help=notebooks_help)
    solve.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: <build>/solved)")
    solve.set_defaults(handler=_solve)

    clean = commands.add_parser(
        "clean",
        help="strip outputs and volatile metadata in place",
        description="Remove outputs, execution counts and volatile metadata (execution timings, "
        "widget state, collapsed/scrolled, ExecuteTime) and set the course's "
        "'deep-similarity' kernelspec, in place. Files already clean are not rewritten.",
    )
    clean.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help=notebooks_help)
    clean.add_argument("--check", action="store_true", help="only report problems; exit code 1 if any (for CI)")
    clean.set_defaults(handler=_clean)

    headers = commands.add_parser(
        "headers",
        help="rewrite the run-time and study-time lines of the headers",
        description="Rewrite the '**Run time:**' line of each notebook's first cell from "
        "notebooks/run_times.json and its '**Study time:**' line from the notebook's "
        "own words and exercises (course_lib.notebooks.run_times.study_time), "
        "without running the notebooks; with no NOTEBOOK, also the generated tables of "
        "docs/instructors.md (study times) and docs/contributing.md (make targets).",
    )
    headers.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help=notebooks_help)
    headers.add_argument(
        "--check", action="store_true", help="only report notebooks whose lines differ; exit code 1 if any"
    )
    headers.set_defaults(handler=_headers)

    links = commands.add_parser(
        "links",
        help="rewrite the Colab/Binder links and Colab lines from pyproject.toml",
        description="Make every notebook header's Open-in-Colab and Binder links, the README's "
        "links and the Colab lines at the top of each setup cell agree with "
        "[project.urls] Repository in pyproject.toml.",
    )
    links.add_argument(
        "--check", action="store_true", help="only report files that differ; exit code 1 if any (for CI)"
    )
    links.set_defaults(handler=_links)

    bench = commands.add_parser(
        "bench",
        help="benchmark exact cosine top-k search",
        description="Queries per second, peak memory and recall against an exact float64 "
        "reference for course_lib.top_k, its NumPy build nearest_neighbours, scikit-learn's brute-force "
        "NearestNeighbors and faiss IndexFlatIP (when installed), each in its own "
        "process, median of --repeats runs.",
    )
    bench.add_argument("--n-database", type=int, default=100_000, metavar="N")
    bench.add_argument("--n-queries", type=int, default=10_000, metavar="N")
    bench.add_argument("--dim", type=int, default=64, metavar="D")
    bench.add_argument("--k", type=int, default=10, metavar="K")
    bench.add_argument("--repeats", type=int, default=3, metavar="R")
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of rows (method, queries_per_second, peak_rss_mb, recall_vs_exact, ...)",
    )
    bench.set_defaults(handler=_bench)

    site = commands.add_parser(
        "site",
        help="build the course website from executed notebooks (needs the site extra)",
        description="Build the static course website (MkDocs) into <build>/site from notebooks "
        "already executed by `run`: --runs DIR, else <build>/executed, <build>/site-run "
        "or <build>/binder (1 CPU), the first that holds every notebook. --check checks the built "
        "site instead: pages, relative links and anchors, error outputs, search index.",
    )
    site.add_argument("--runs", type=Path, metavar="DIR", help="folder of executed notebooks")
    site.add_argument("--out", type=Path, metavar="DIR", help="site folder (default <build>/site)")
    site.add_argument("--check", action="store_true", help="check the built site; build nothing")
    site.set_defaults(handler=_site)

    from course_lib.class_leaderboard import DEFAULT_TOLERANCE
    from course_lib.leaderboard_domains import DOMAINS

    class_board = commands.add_parser(
        "class-leaderboard",
        help="gather several learners' results into one table per domain",
        description="Read FOLDER/<learner>/ (a copy of the learner's build/results/, or any folder "
        "holding it) or FOLDER/<learner>.zip for each learner, and print one table per domain: "
        "for each method, dataset and protocol, the number of learners, the class median of the "
        "table's first metric with its range, the other metrics' medians, and the learners more "
        "than --tolerance from the median (trained figures differ in the last digits between "
        "machines; a larger gap is a changed setting).",
    )
    class_board.add_argument("folder", type=Path, metavar="FOLDER", help="the class folder, one entry per learner")
    class_board.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        metavar="T",
        help=f"largest difference from the class median that counts as agreeing (default {DEFAULT_TOLERANCE})",
    )
    class_board.add_argument(
        "--domain", action="append", choices=list(DOMAINS), help="show only this domain (repeat for several)"
    )
    class_board.add_argument("--csv", type=Path, metavar="PATH", help="also write every learner's rows to a CSV file")
    class_board.set_defaults(handler=_class_leaderboard)
    return parser


def main(argv=None):
    """Runs the command line and returns its exit code.

    Args:
        argv: list of arguments without the program name. Defaults to
            `sys.argv[1:]`.

    Returns:
        The exit code: 0 on success, 1 when a check or a notebook failed, 2 for
        a usage error.

    Example:

    >>> import nbformat, tempfile
    >>> kernelspec = {"name": "deep-similarity", "display_name": "Python (Deep Similarity)",
    ...               "language": "python"}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "01_demo.ipynb"
    ...     nbformat.write(nbformat.v4.new_notebook(metadata={"kernelspec": kernelspec}), path)
    ...     print("exit code", main(["clean", "--check", str(path)]))
    1 notebook(s) checked, 0 problem(s).
    exit code 0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args, sys.stdout)
    except (ValueError, ImportError) as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2
