"""``gridgov areas``: check, load, browse and convert area hierarchy files."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option, printable
from gridgov.grid import (
    SAMPLES,
    Area,
    AreaFile,
    AreaTree,
    Directory,
    LevelSet,
    Sample,
    UnitKind,
    load_areas,
    load_sample,
    write_areas,
)

if TYPE_CHECKING:
    from rich.text import Text

    from gridgov.replay import InferredAreas
    from gridgov.store import SqlStore

__all__ = ["areas"]

F = TypeVar("F", bound=Callable[..., Any])
_COMMANDLINE = click.core.ParameterSource.COMMANDLINE
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _levels(_ctx: click.Context, _param: click.Parameter, value: str | None) -> LevelSet | None:
    if value is None:
        return None
    try:
        return LevelSet.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


_LEVELS_HELP = (
    "Level set, shallowest first, '?' marks optional: 'city > district > street? > community'. "
    "Overrides the file's own (CSV: a '# levels: ...' comment line; JSON/TOML: a 'levels' key)."
)


def _file_options(func: F) -> F:
    """``--levels`` and ``--units`` for commands that read a file argument."""
    func = click.option(
        "--units", type=_FILE, help="A units CSV: code,name,kind,area_code,department."
    )(func)
    return click.option("--levels", callback=_levels, help=_LEVELS_HELP)(func)


def _open(
    file: Path | None,
    sample: str | None,
    db: str | None,
    levels: LevelSet | None,
    units: Path | None,
) -> AreaFile:
    if file is not None or sample is not None:
        # $GRIDGOV_DATABASE_URL names the database; an explicit --file or --sample wins.
        ctx = click.get_current_context(silent=True)
        from_env = ctx is not None and ctx.get_parameter_source("url") is not _COMMANDLINE
        db = None if from_env else db
    if sum(x is not None for x in (file, sample, db)) != 1:
        raise click.UsageError(
            "give exactly one of --file FILE, --sample NAME or --db URL "
            "(or set GRIDGOV_DATABASE_URL)"
        )
    if file is not None:
        return load_areas(file, levels=levels, units=units)
    if levels is not None or units is not None:
        raise click.UsageError("--levels and --units apply to --file only")
    if sample is not None:
        return load_sample(cast(Sample, sample))
    from gridgov.app import open_store
    from gridgov.store import redact

    store = open_store(db)
    try:
        directory = stored_directory(store)
    finally:
        store.close()
    return AreaFile(redact(store.url), directory.tree, directory)


def stored_directory(store: SqlStore) -> Directory:
    """The database's areas and units, or a usage error saying how to import them."""
    from gridgov.store import redact

    directory = store.load_directory()
    if directory is None:
        raise click.UsageError(
            f"the database {redact(store.url)} holds no areas: "
            "run `gridgov areas import FILE --db URL` first"
        )
    return directory


def _hierarchy_source(func: Callable[..., None]) -> Callable[..., None]:
    """Add --file / --sample / --db (and --levels, --units); pass the command ``loaded``."""

    @functools.wraps(func)
    def command(
        *args: Any,
        file: Path | None,
        sample: str | None,
        url: str | None,
        levels: LevelSet | None,
        units: Path | None,
        **kwargs: Any,
    ) -> None:
        func(*args, loaded=_open(file, sample, url, levels, units), **kwargs)

    command = _file_options(command)
    command = db_option(command, optional=True)
    command = click.option(
        "--sample", type=click.Choice(sorted(SAMPLES)), help="Use a sample shipped with gridgov."
    )(command)
    return click.option("--file", type=_FILE, help="An area file (.csv, .json, .toml).")(command)


def _summary_rows(loaded: AreaFile) -> list[dict[str, object]]:
    tree = loaded.tree
    rows: list[dict[str, object]] = [
        {"level": level, "label_zh": tree.levels.label_zh(level), "areas": count}
        for level, count in tree.count_by_level().items()
    ]
    rows.append({"level": "(units)", "label_zh": "人员/单位", "areas": len(loaded.directory)})
    return rows


@click.group()
def areas() -> None:
    """The area hierarchy (治理层级): validate, import, browse and export area files.

    \b
    Files are CSV (code,name,level,parent_code, then optional columns),
    JSON or TOML (levels, areas, units).  A file with any error is rejected
    as a whole, and every problem is listed with its file, line and field.
    validate, import, tree, show, responsible and export work on files and on
    the shipped samples with no database; import --db URL stores a file, and
    tree, show, responsible and export --db URL read it back.  infer writes a
    file from a replay source's own area columns (a new city's first one).
    """


@areas.command()
@click.argument("file", type=_FILE)
@_file_options
@format_option()
def validate(file: Path, levels: LevelSet | None, units: Path | None, fmt: str) -> None:
    """Check FILE and list every problem; prints the counts per level when it is valid."""
    loaded = load_areas(file, levels=levels, units=units)
    emit(_summary_rows(loaded), ["level", "label_zh", "areas"], fmt, title=f"{file}: valid")


@areas.command("import")
@click.argument("file", type=_FILE)
@_file_options
@db_option(optional=True)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the database's hierarchy with FILE's (refused while tickets are stored).",
)
@format_option()
def import_(
    file: Path,
    levels: LevelSet | None,
    units: Path | None,
    url: str | None,
    replace: bool,
    fmt: str,
) -> None:
    """Load FILE (all or nothing) into an area tree and print what it holds.

    With --db URL (or $GRIDGOV_DATABASE_URL) the areas, levels and units are
    written into that database in one transaction; a new database gets its schema
    first (one whose schema is behind needs `gridgov db upgrade`).  Without either,
    FILE is checked and loaded in memory only.

    FILE's areas are merged into the stored hierarchy (areas it lacks are kept:
    tickets may point at them).  A database holding another hierarchy — the two
    do not make one tree under FILE's levels — is refused and left as it was;
    --replace replaces its areas and units with FILE's, unless it holds tickets
    or people FILE's hierarchy has no place for.
    """
    if replace and url is None:
        raise click.UsageError("--replace replaces a database's hierarchy: give --db URL")
    loaded = load_areas(file, levels=levels, units=units)
    if url is not None:
        from gridgov.app import open_store
        from gridgov.store import import_areas

        store = open_store(url)
        try:
            store.create_if_new()
            import_areas(store, loaded, replace=replace)
        finally:
            store.close()
    emit(_summary_rows(loaded), ["level", "label_zh", "areas"], fmt, title=f"{file}: loaded")


def _tree_label(tree: AreaTree, area: Area) -> Text:
    """The area's label, then its code, level and counts dimmed: stored text, never markup."""
    from rich.text import Text

    below = tree.count_by_level(area.code)
    below.pop(area.level, None)
    counts = ", ".join(f"{n} {level}" for level, n in below.items())
    suffix = f" — {counts}" if counts else ""
    details = f"{area.code} · {tree.levels.label_zh(area.level)}{suffix}"
    return Text.assemble(printable(area.label), " ", (printable(details), "dim"))


def _print_tree(tree: AreaTree, code: str | None, depth: int | None) -> None:
    """Print the walk as a rich tree, wide enough that no line is cut."""
    from rich.console import Console
    from rich.tree import Tree

    top = Tree(f"{len(tree)} areas") if code is None else None
    branches: dict[str, Tree] = {}
    width = 0
    for area, relative in tree.walk(code, max_depth=depth):
        label = _tree_label(tree, area)
        width = max(width, label.cell_len + 4 * (relative + 2))
        parent = branches.get(area.parent_code or "") if relative else top
        branch = parent.add(label) if parent is not None else Tree(label)
        top = top or branch
        branches[area.code] = branch
    if top is not None:
        Console(soft_wrap=True, width=max(width, 40)).print(top)


@areas.command()
@click.argument("code", required=False)
@click.option("--depth", type=click.IntRange(min=0), help="How many levels below CODE to show.")
@format_option()
@_hierarchy_source
def tree(code: str | None, depth: int | None, fmt: str, loaded: AreaFile) -> None:
    """Print the hierarchy from CODE (default: every root) down, with counts per level."""
    if code is not None:
        loaded.tree.get(code)
    if fmt == "table":
        _print_tree(loaded.tree, code, depth)
        return
    rows = [
        {"code": a.code, "name": a.name, "level": a.level, "parent_code": a.parent_code, "depth": d}
        for a, d in loaded.tree.walk(code, max_depth=depth)
    ]
    emit(rows, ["code", "name", "level", "parent_code", "depth"], fmt)


@areas.command()
@click.argument("code")
@format_option()
@_hierarchy_source
def show(code: str, fmt: str, loaded: AreaFile) -> None:
    """Show one area: its path, metadata, what lies below it and the units covering it."""
    tree, area = loaded.tree, loaded.tree.get(code)
    below = tree.count_by_level(code)
    below[area.level] -= 1
    rows: list[dict[str, object]] = [
        {"field": "code", "value": area.code},
        {"field": "name", "value": area.label},
        {"field": "level", "value": f"{area.level} ({tree.levels.label_zh(area.level)})"},
        {"field": "path", "value": " > ".join(a.name for a in tree.path(code))},
        {"field": "children", "value": len(tree.children(code))},
        {
            "field": "below",
            "value": ", ".join(f"{n} {lv}" for lv, n in below.items() if n) or "-",
        },
    ]
    optional = {
        "households": area.households,
        "population": area.population,
        "geometry": area.geometry,
    }
    rows += [
        {"field": k, "value": v} for k, v in {**optional, **area.extra}.items() if v is not None
    ]
    rows += [
        {"field": f"unit: {u.label_zh}", "value": f"{u.name} ({u.code} @ {u.area_code})"}
        for u in loaded.directory.covering(code)
    ]
    emit(rows, ["field", "value"], fmt, title=f"{area.name} {area.code}")


@areas.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_hierarchy_source
def export(out: Path, loaded: AreaFile) -> None:
    """Write the hierarchy to OUT as CSV, JSON or TOML (by OUT's suffix).

    Units are written into JSON and TOML files; CSV holds the areas only.
    """
    write_areas(out, loaded.tree, directory=loaded.directory)
    click.echo(f"wrote {len(loaded.tree)} areas to {out}")


@areas.command()
@click.argument("code")
@click.option("--kind", type=click.Choice([k.value for k in UnitKind]), help="The role wanted.")
@click.option("--department", help="A functional department code: chengguan, police, fire ...")
@click.option("--level", help="Only units attached to the area's ancestor at this level.")
@format_option()
@_hierarchy_source
def responsible(
    code: str,
    kind: str | None,
    department: str | None,
    level: str | None,
    fmt: str,
    loaded: AreaFile,
) -> None:
    """Who is responsible for CODE (谁来管): the nearest matching unit up the tree.

    With --kind, --department or --level, the one unit that answers; with none
    of them, every unit covering CODE, nearest first.
    """
    directory = loaded.directory
    if kind or department or level:
        found = [directory.responsible(code, kind=kind, department=department, level=level)]
    else:
        found = list(directory.covering(code))
    rows = [
        {
            "unit": u.code,
            "name": u.name,
            "role": u.label_zh,
            "at": u.area_code,
            "at_name": loaded.tree.get(u.area_code).name,
        }
        for u in found
    ]
    # People read names; programs get the codes too.
    columns = ["name", "role", "at_name"] if fmt == "table" else list(rows[0]) if rows else []
    emit(rows, columns, fmt, title=f"Who is responsible for {loaded.tree.get(code).name}?")


_AREA_SUFFIXES = (".csv", ".json", ".toml")


@areas.command()
@click.argument("data", type=_FILE)
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=_FILE,
    help="The source's mapping file (TOML): its [area] rules read the area columns.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The area file to write (.csv, .json or .toml).",
)
@click.option(
    "--rejects-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rows that could not be placed, with file, line and reason (.csv).",
)
@click.option(
    "--root-level",
    default="city",
    show_default=True,
    help="The level name of the mapping's area.missing area, the root of the tree.",
)
@format_option()
def infer(
    data: Path,
    mapping_path: Path,
    out: Path,
    rejects_out: Path | None,
    root_level: str,
    fmt: str,
) -> None:
    """Write an area file from DATA's own area columns, as the mapping reads them.

    \b
    Each row's codes (the mapping's [area] rules, as replay cleans them) give the
    areas and who lies within whom: a code's parent is the coarser code its rows
    name most often.  Each area gets two columns: tickets (rows placed at it) and
    tickets_within (at it or below).  Rows that cannot be placed are listed by line
    on stderr (all of them in --rejects-out FILE); replay over OUT places every
    other row.  Prints the areas and tickets per level.
    """
    from gridgov._outputs import check_output
    from gridgov.grid import dump_areas, format_of
    from gridgov.replay import REJECT_SUFFIXES, InputFile, RejectLog, infer_areas, load_mapping

    mapping = load_mapping(mapping_path)
    check_output(out, _AREA_SUFFIXES, option="--out")
    if rejects_out is not None:
        check_output(rejects_out, REJECT_SUFFIXES, option="--rejects-out")
    rejects = RejectLog(rejects_out)
    try:
        source = InputFile(data, mapping.format, delimiter=mapping.delimiter)
        try:
            result = infer_areas(mapping, source, rejects=rejects, root_level=root_level)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--root-level") from exc
    finally:
        rejects.close()
    if not len(result.tree):
        _print_not_placed(result, rejects_out)
        raise click.ClickException(f"no row of {data} gives an area: {out} not written")
    text = dump_areas(result.tree, format_of(out))
    if text.startswith("# levels:"):  # CSV: say where the file came from
        text = (
            f"# Inferred by `gridgov areas infer` from {data.name} with {mapping_path.name}.\n"
            "# tickets: rows placed at the area; tickets_within: at it or below it.\n" + text
        )
    out.write_text(text, encoding="utf-8")
    _print_not_placed(result, rejects_out)
    tree = result.tree
    rows: list[dict[str, object]] = []
    for level, count in tree.count_by_level().items():
        placed = sum(result.tickets[a.code] for a in tree if a.level == level)
        rows.append({"level": level, "areas": count, "tickets": placed})
    title = f"wrote {len(tree)} areas to {out} ({tree.levels.spec()})"
    emit(rows, ["level", "areas", "tickets"], fmt, title=title)


def _print_not_placed(result: InferredAreas, rejects_out: Path | None) -> None:
    """Where every row went, and the rows not placed by line (stderr)."""
    not_placed = sum(result.not_placed.values())
    other = f", {result.other_rows:,} other rows of their cases" if result.other_rows else ""
    click.echo(
        f"read {result.rows:,} rows: {result.placed:,} placed, {not_placed:,} not placed{other}",
        err=True,
    )
    if not result.accounted:
        click.echo("warning: these counts do not add up: rows were lost (a gridgov bug)", err=True)
    if not not_placed:
        return
    kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(result.not_placed.items()))
    click.echo(f"{not_placed:,} rows not placed ({kinds}):", err=True)
    for reject in result.first_rejects:
        field = f" {reject.field}:" if reject.field else ""
        click.echo(f"  {reject.source}:{reject.line}:{field} {reject.reason}", err=True)
    shown = len(result.first_rejects)
    if rejects_out is not None:
        click.echo(f"all {not_placed:,} listed in {rejects_out}", err=True)
    elif shown < not_placed:
        more = not_placed - shown
        click.echo(f"  ... {more:,} more: list them with --rejects-out FILE", err=True)
