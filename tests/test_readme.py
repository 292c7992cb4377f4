"""README.md is the user's manual: its settings, commands, make targets and HTTP paths are the code's.

Each check goes both ways where that makes sense (what README names exists; what exists is in
README) and fails with a list of what is missing or stale, with README's line numbers. Nothing
here touches a database or the network: the routes are read from `create_app(...)` and the mock
national LAPOR's route tables, the commands from the click group, the targets from the Makefile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import AliasChoices, SecretStr, ValidationError

from app.api.moves import router as moves_router
from app.cli import main as cli
from app.core.config import Settings
from app.main import create_app
from app.runtime.devstack import MOCK_PORT, mock_environment
from lapor_mock import api as mock_api
from lapor_mock import control_routes
from lapor_mock.national import DEFAULT_BASE_PATH as MOCK_BASE

ROOT = Path(__file__).resolve().parents[1]

# Names in README's setting tables that are not `Settings` fields (each with why). Keep it short.
TABLE_NON_SETTINGS: dict[str, str] = {}
# Upper-case names README's prose uses that are not settings, each with the file that defines it
# (checked), or None for a placeholder in an example.
OTHER_NAMES: dict[str, str | None] = {
    "API_PORT": "compose.yaml",
    "POSTGRES_PASSWORD": "compose.yaml",
    "PYTHON_IMAGE": "Dockerfile",
    "COVERAGE_FLOOR": "Makefile",
    "TEST_PG_ADMIN_URL": "tests/conftest.py",
    "CHROMIUM_PATH": "tests/dashboard/test_browser.py",
    "LB_IMAGE_CHECK": "tests/ops/test_image.py",
    "LB_COMPOSE_CHECK": "ops/image-check",
    "LB_REBUILD_BASE": "ops/image-check",
    "MAX_RETRY_AFTER_SECONDS": "app/sync/answers.py",
    "IN_PROGRESS": "app/open311/requests.py",  # an Open311 status, not a variable
    "DATABASE_URL_WITHOUT_DRIVER": None,
}
# Absolute-looking paths in README that are no HTTP route of ours or of the mock.
NOT_ROUTES = {
    "/hooks/lapor": "a webhook receiver's own path, in the receiver example",
    "/data": "a folder (the backup's tar -C)",
    "/usr/bin/chromium": "a file",
    "/usr/local/share/ca-certificates": "a folder",
}
# Paths without the app's or the mock's first segment are relative: to the base of their table
# (a header naming it, as "endpoint (`/api/v1/sync`)") or else of their section (innermost first).
SECTION_BASES = {
    "The API": "/api/v1",
    "Two-way sync with national LAPOR": MOCK_BASE,  # its prose names national calls
    "National SP4N-LAPOR! (`app/sync/`)": MOCK_BASE,
    "Open311 GeoReport v2 (`/open311/v2/`)": "/open311/v2/",
}
HTTP_METHODS = "GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS"
CATCH_ALL_ROUTES = {"no_such_page"}  # the workspace's 404/405 page for any other /dashboard path


# --- README, read once: prose, code blocks, tables, backtick spans, each with its line and section


@dataclass(frozen=True)
class Chunk:
    """A piece of README: a backtick span, a code line or a table cell."""

    kind: str  # "span", "code" or "prose"
    text: str
    line: int
    sections: tuple[str, ...]  # headings, innermost first
    base: str | None = None  # a table's own base path


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    sections: tuple[str, ...]


@dataclass
class Readme:
    spans: list[Chunk] = field(default_factory=list)  # backtick spans of the prose
    code: list[Chunk] = field(default_factory=list)  # lines of fenced code blocks
    prose: list[Chunk] = field(default_factory=list)  # lines outside code blocks
    tables: list[Table] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]


@cache
def readme() -> Readme:
    doc = Readme()
    headings: list[tuple[int, str]] = []
    fenced = False
    table: Table | None = None
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        sections = tuple(title for _, title in reversed(headings))
        if fenced:
            doc.code.append(Chunk("code", line, number, sections))
            continue
        if heading := re.match(r"(#+) (.*)", line):
            level = len(heading[1])
            headings = [h for h in headings if h[0] < level] + [(level, heading[2].strip())]
        doc.prose.append(Chunk("prose", line, number, sections))
        if line.startswith("|"):
            if table is None:
                table = Table(_cells(line), [], sections)
                doc.tables.append(table)
            elif not re.fullmatch(r"\|[-| :]+\|", line):
                table.rows.append((number, _cells(line)))
        else:
            table = None
    # Spans may run over a line break inside a paragraph; never over a blank line.
    text = "\n".join(c.text if not c.text.startswith("|") else "" for c in doc.prose)
    for match in re.finditer(r"`([^`]+)`", text):
        if "\n\n" not in match[1]:
            at = doc.prose[text.count("\n", 0, match.start())]
            doc.spans.append(Chunk("span", match[1], at.line, at.sections))
    for t in doc.tables:
        base = re.search(r"\(`(/[^`]*)`\)", t.header[0])
        for number, cells in t.rows:
            for cell in cells:
                for span in re.findall(r"`([^`]+)`", cell):
                    doc.spans.append(Chunk("span", span, number, t.sections, base[1] if base else None))
    return doc


def _failures(title: str, problems: list[str]) -> str:
    return f"{title}:\n  " + "\n  ".join(sorted(set(problems)))


# --- settings


def _env_names(name: str, info: Any) -> set[str]:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    alias = info.validation_alias or info.alias
    if isinstance(alias, AliasChoices):
        names = {c for c in alias.choices if isinstance(c, str)}
    else:
        names = {alias if isinstance(alias, str) else prefix + name}
    return {n.upper() for n in names}


SETTINGS = {env: name for name, info in Settings.model_fields.items() for env in _env_names(name, info)}


def _setting_tables() -> Iterator[tuple[Table, int, list[str], list[str]]]:
    """Each row of a table whose first column is a setting: (table, line, names, cells)."""
    for table in readme().tables:
        if table.header[0] in ("setting", "variable"):
            for number, cells in table.rows:
                yield table, number, re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]), cells


def test_every_setting_is_in_a_settings_table_and_every_name_there_is_a_setting() -> None:
    listed = {name for _, _, names, _ in _setting_tables() for name in names}
    missing = [f"{env} (Settings.{SETTINGS[env]})" for env in SETTINGS.keys() - listed]
    stale = [
        f"line {number}: {name}"
        for _, number, names, _ in _setting_tables()
        for name in names
        if name not in SETTINGS and name not in TABLE_NON_SETTINGS
    ]
    assert not missing, _failures("settings missing from README's setting tables", missing)
    assert not stale, _failures("README's setting tables name what is no setting", stale)


def _default_values(cell: str) -> list[object] | None:
    """What a default cell says: its backticked values, or words README uses for some (a remark
    in brackets after them is left out)."""
    cell = cell.split(" (")[0]
    if values := re.findall(r"`([^`]*)`", cell):
        return list(values)
    if cell in ("—", "empty", "(empty)"):
        return [None]
    if sizes := re.findall(r"(\d+) (KiB|MiB)", cell):
        return [str(int(n) * {"KiB": 1024, "MiB": 1_048_576}[unit]) for n, unit in sizes]
    return None


def _same(said: object, default: object) -> bool:
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if said is None:
        return default in (None, "", {})
    text = str(said)
    if isinstance(default, bool):
        return text == str(default).lower()
    if isinstance(default, int | float):
        return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None and float(text) == default
    if isinstance(default, dict):
        return json.loads(text) == default
    return text == str(default) or (isinstance(default, Path) and Path(text) == default)


def test_setting_tables_state_the_defaults_and_the_dev_stacks_values() -> None:
    """A `default` column says each setting's default; the `make run` table what `up` sets."""
    stack = mock_environment(MOCK_PORT)
    wrong = []
    for table, number, names, cells in _setting_tables():
        column = table.header[1]
        if column not in ("default", "value used by `make run`"):
            continue
        values = _default_values(cells[1])
        if cells[1] == "a development value" and names == ["SECRET_KEY"]:
            continue
        if values is None or len(values) not in (1, len(names)):
            wrong.append(f"line {number}: cannot read {cells[1]!r} for {', '.join(names)}")
            continue
        for name, value in zip(names, values * len(names) if len(values) == 1 else values, strict=True):
            if name not in SETTINGS:
                continue
            if column == "default":
                expected = Settings.model_fields[SETTINGS[name]].get_default(call_default_factory=True)
            else:
                expected = stack.get(name)
            if not _same(value, expected):
                wrong.append(f"line {number}: {name} says {value!r}, the code has {expected!r}")
    assert not wrong, _failures("README's setting tables disagree with the code", wrong)


def test_upper_case_names_in_readme_are_settings_or_known_others() -> None:
    """A stale setting's name in prose (`LAPOR_HAS_LIST_CALL=true`) would mislead as much as in a table."""
    text = "\n".join(c.text for c in readme().prose + readme().code)
    unknown = sorted(
        {n for n in re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text)}
        - SETTINGS.keys()
        - OTHER_NAMES.keys()
    )
    assert not unknown, _failures("README names these, which are no setting (or add to OTHER_NAMES)", unknown)
    for name, path in OTHER_NAMES.items():
        assert path is None or name in (ROOT / path).read_text(encoding="utf-8"), f"{name} is not in {path}"


def test_settings_written_with_a_value_take_that_value() -> None:
    """`LOG_FORMAT=text`, `LAPOR_ENVIRONMENT=sandbox`, `DB_POOL_SIZE=10`: each is a valid value."""
    refused = []
    for chunk in readme().spans + readme().code:
        for name, value in re.findall(r"\b([A-Z][A-Z0-9_]+)=([^\s`<…]+)(?=[\s`]|$)", chunk.text):
            value = value.rstrip(".,;:)")
            if name in SETTINGS and not value.startswith(("$", "<")):
                try:
                    Settings(_env_file=None, **{SETTINGS[name]: value})  # type: ignore[call-arg]
                except ValidationError as exc:
                    refused.append(f"line {chunk.line}: {name}={value}: {exc.errors()[0]['msg']}")
    assert not refused, _failures("README sets settings to values the code refuses", refused)


# --- the command line


def _commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = dict(_commands())


def _invocations() -> Iterator[tuple[int, tuple[str, ...], str]]:
    """Each `lapor-bridge <command> [<subcommand>] ...` README writes: (line, command path, rest).
    In the Commands table a cell's later spans (`account list`) leave out `lapor-bridge`."""
    chunks = [c for c in readme().spans + readme().code if "lapor-bridge" in c.text]
    commands_table = next(t for t in readme().tables if t.header[0] == "command")
    for number, cells in commands_table.rows:
        for span in re.findall(r"`([^`]+)`", cells[0]):
            if not span.startswith(("lapor-bridge", "make ")):
                chunks.append(Chunk("span", "lapor-bridge " + span, number, ()))
    for chunk in chunks:
        for match in re.finditer(r"(?:^|(?<=[\s/]))lapor-bridge\s+([a-z][a-z-]*)(.*)", chunk.text):
            rest = re.split(r"\s(?:#|&&?|\|\|?|;)\s", match[2] + " ")[0]
            sub = re.match(r"\s+([a-z][a-z-]*)", rest)
            command = COMMANDS.get((match[1],))
            if isinstance(command, click.Group) and sub:
                yield chunk.line, (match[1], sub[1]), rest[sub.end() :]
            else:
                yield chunk.line, (match[1],), rest


def test_every_command_readme_writes_exists_with_its_options() -> None:
    stale = []
    for number, path, rest in _invocations():
        command = COMMANDS.get(path)
        if command is None:
            stale.append(f"line {number}: lapor-bridge {' '.join(path)}")
            continue
        options = {o: p for p in command.params for o in (*p.opts, *p.secondary_opts)}
        named = f"line {number}: lapor-bridge {' '.join(path)}"
        stale += [
            f"{named} {o}" for o in re.findall(r"--[a-z][a-z-]*", rest) if o not in options | {"--help": None}
        ]
        for option, choices in re.findall(r"(--[a-z][a-z-]*) ([\w-]+(?:\|[\w-]+)+)", rest):
            allowed = getattr(options.get(option), "type", None)
            if isinstance(allowed, click.Choice) and set(choices.split("|")) != set(allowed.choices):
                stale.append(
                    f"{named} {option} {choices} (the CLI takes {'|'.join(map(str, allowed.choices))})"
                )
    assert not stale, _failures("README writes commands or options the CLI does not have", stale)


def test_every_command_and_option_is_in_readme() -> None:
    written: dict[tuple[str, ...], set[str]] = {}
    for _, path, rest in _invocations():
        written.setdefault(path, set()).update(re.findall(r"--[a-z][a-z-]*", rest))
    missing = [
        f"lapor-bridge {' '.join(path)}"
        for path in COMMANDS
        if not any(w[: len(path)] == path for w in written)
    ]
    for path, command in COMMANDS.items():
        if isinstance(command, click.Group) or path not in written:
            continue
        options = [p.opts[0] for p in command.params if isinstance(p, click.Option)]
        missing += [f"lapor-bridge {' '.join(path)} {o}" for o in options if o not in written[path]]
    assert not missing, _failures("commands or options missing from README", missing)


# --- make targets


def _makefile_targets() -> tuple[set[str], set[str]]:
    """(every target, the user's: `.PHONY` and `## target:` documented ones)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*)\s*:(?!=)", text, re.MULTILINE))
    phony = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    documented = set(re.findall(r"^## ([a-z][\w-]*):", text, re.MULTILINE))
    return targets, (set(phony[1].split()) if phony else set()) | documented


def test_make_targets_in_readme_exist_and_every_target_is_in_readme() -> None:
    targets, users = _makefile_targets()
    written = {
        (chunk.line, target)
        for chunk in readme().spans + readme().code
        for target in re.findall(r"(?:^|(?<=[\s(]))make\s+([a-z][\w-]*)", chunk.text)
    }
    stale = [f"line {number}: make {target}" for number, target in written if target not in targets]
    missing = [f"make {target}" for target in users - {target for _, target in written}]
    assert not stale, _failures("README runs make targets the Makefile does not have", stale)
    assert not missing, _failures("Makefile targets missing from README", missing)


# --- HTTP paths


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    segments: tuple[re.Pattern[str], ...]
    template: str


def _route(methods: set[str] | frozenset[str], template: str) -> Route:
    def segment(part: str) -> re.Pattern[str]:
        pieces = re.split(r"(\{[^}]*\})", part)
        return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in pieces))

    return Route(frozenset(methods), tuple(segment(p) for p in template.strip("/").split("/")), template)


def _from_regex(pattern: str) -> str:
    """A mock route's regex as a template: `(?P<id>\\d+)` → `{id}`, `follow[-_]up` → `follow-up`."""
    template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).replace("[-_]", "-")
    return template.removesuffix("/?")


@cache
def app_routes() -> list[Route]:
    app = create_app(Settings(_env_file=None, environment="development"))  # type: ignore[call-arg]
    # Every GET is answered for HEAD too (app/core/methods.py), though no route declares it.
    return [
        _route((r.methods or set()) | ({"HEAD"} if "GET" in (r.methods or set()) else set()), r.path)
        for r in iter_route_contexts(app.routes)
        if r.path and r.name not in CATCH_ALL_ROUTES
    ]


@cache
def mock_routes() -> list[Route]:
    national = [_route({m}, MOCK_BASE + _from_regex(p.pattern)) for m, p, _ in mock_api.ROUTES]
    controls = [_route({m}, _from_regex(p.pattern)) for m, p, _ in control_routes._ROUTES]
    return national + controls


PLACEHOLDER = "\x00"  # `{id}`, `$ID`: a route's parameter (`{report_id}`, `{code}.{fmt}`)
WILDCARD = "\x01"  # `<action>`: any one segment


def _variants(path: str) -> list[str]:
    """A written path as concrete ones: `[/{aid}]` both ways, `{a|b}` each, `?query` dropped."""
    if optional := re.search(r"\[([^\]]*)\]", path):
        inner = "" if optional[1].startswith("?") else optional[1]
        return [
            v for o in {"", inner} for v in _variants(path[: optional.start()] + o + path[optional.end() :])
        ]
    if choice := re.search(r"\{([^}]*\|[^}]*)\}", path):
        return [
            v
            for c in choice[1].split("|")
            for v in _variants(path[: choice.start()] + c + path[choice.end() :])
        ]
    path = path.split("?")[0]
    return [re.sub(r"<[^>]*>", WILDCARD, re.sub(r"\{[^}]*\}|\$\w+", PLACEHOLDER, path))]


def _matches(route: Route, path: str, prefix: bool) -> bool:
    parts = path.strip("/").split("/")
    if len(parts) > len(route.segments) or (not prefix and len(parts) != len(route.segments)):
        return False
    return all(p == WILDCARD or s.fullmatch(p) for s, p in zip(route.segments, parts, strict=False))


@dataclass(frozen=True)
class Written:
    """A path as README writes it, made absolute."""

    line: int
    methods: tuple[str, ...]
    path: str
    as_written: str


def _first_segments() -> set[str]:
    return {r.template.strip("/").split("/")[0] for r in app_routes() + mock_routes()}


def _absolute(chunk: Chunk, path: str) -> str | None:
    if path.strip("/").split("/")[0] in _first_segments() or path in NOT_ROUTES:
        return path
    base = chunk.base or next((SECTION_BASES[s] for s in chunk.sections if s in SECTION_BASES), None)
    return None if base is None else base.rstrip("/") + "/" + path.lstrip("/")


_PATH = r"/[A-Za-z_{<](?:[\w.\-~%]|\{[^}\s]*\}|<[a-z_]+>|\[[^\]\s]*\]|\$\w+|/)*"
_METHOD = rf"(?:(?<![\w|])((?:{HTTP_METHODS})(?:\|(?:{HTTP_METHODS}))*)\s+)?"


def written_paths() -> Iterator[Written]:
    """Every HTTP path README writes: URLs to this machine, paths in prose, code and tables, and a
    method's relative path (`GET discovery.{fmt}`) in a section with a base."""
    for chunk in readme().prose + readme().code + readme().spans:
        if chunk.kind == "prose" and chunk.text.startswith("|"):
            continue  # table rows are read cell by cell, as spans with their table's base
        text = re.sub(r"\bhttps?://(?:localhost|127\.0\.0\.1):\d+(?=/)", " ", chunk.text)
        text = re.sub(r"\b[a-z+]+://\S+", " ", text)  # other hosts' and databases' URLs
        text = re.sub(r"\b(?:localhost|127\.0\.0\.1):\d+(?=/)", " ", text)  # curl's
        if chunk.kind == "prose":
            text = re.sub(r"`[^`]*`", " ", text)  # spans are read on their own
        for match in re.finditer(_METHOD + r"(?<![\w.\-/…~<])(" + _PATH + ")", text):
            path = match[2].rstrip(".")
            if (absolute := _absolute(chunk, path)) is None:
                yield Written(chunk.line, (), "", path)
            else:
                yield Written(
                    chunk.line, tuple((match[1] or "").split("|")) if match[1] else (), absolute, path
                )
        if bare := re.fullmatch(rf"({HTTP_METHODS}) ([a-z][\w.{{}}/]*)", chunk.text):
            if (absolute := _absolute(chunk, bare[2])) is not None:
                yield Written(chunk.line, (bare[1],), absolute, bare[2])


def _known(written: Written) -> bool:
    if written.path in NOT_ROUTES:
        return True
    routes = app_routes() + mock_routes()
    prefix = not written.methods  # a path named alone may be a prefix (`/open311/v2/`, `/api/v1`)
    for path in _variants(written.path):
        candidates = [r for r in routes if _matches(r, path, prefix)]
        if not candidates or any(not any(m in r.methods for r in candidates) for m in written.methods):
            return False
    return True


def test_every_path_readme_writes_is_served() -> None:
    stale = [
        f"line {w.line}: {'|'.join(w.methods) + ' ' if w.methods else ''}{w.as_written}"
        + (f" (read as {w.path})" if w.path != w.as_written else "")
        + ("" if w.path else " (relative, in a section with no base path)")
        for w in written_paths()
        if not w.path or not _known(w)
    ]
    assert not stale, _failures("README writes paths (or methods) no route serves", stale)


def test_every_route_group_is_in_readme() -> None:
    """The groups of /api/v1 (`reports`, `sync`, `webhooks`, ...) and the app's other first segments."""

    def group(template: str) -> str:
        parts = template.strip("/").split("/")
        return "/".join(parts[:3]) if parts[:2] == ["api", "v1"] else parts[0]

    served = {group(r.template) for r in app_routes()} - {"api/v1"}
    written = {group(w.path) for w in written_paths() if w.path}
    missing = [f"/{g}" for g in served - written]
    assert not missing, _failures("route groups missing from README", missing)


def test_moves_table_is_the_moves_router() -> None:
    """README's Moves table lists each `POST /reports/{id}/<action>` of app/api/moves.py."""
    table = next(t for t in readme().tables if t.header[0] == "action")
    written = {re.findall(r"`([a-z-]+)`", cells[0])[0] for _, cells in table.rows}
    posts = [r.path for r in moves_router.routes if isinstance(r, APIRoute) and "POST" in (r.methods or ())]
    served = {path.rsplit("/", 1)[1] for path in posts if path.count("/") == 5}
    assert written == served, (
        f"Moves table: missing {sorted(served - written)}, stale {sorted(written - served)}"
    )


@pytest.mark.parametrize("path", ["/api/v1/reports/{id}/nope", "/lapor/3.0.0/nope", "/__mock/nope"])
def test_an_unserved_path_is_caught(path: str) -> None:
    """The matcher itself: a stale path fails (so the checks above can fail)."""
    assert not _known(Written(1, ("GET",), path, path))
    assert _known(Written(1, ("GET",), "/api/v1/reports/{id}", "/api/v1/reports/{id}"))


def test_every_file_of_the_project_readme_names_exists() -> None:
    """`app/sync/answers.py`, `tests/sync_flow/test_poll_mode.py`, `docs/national-api.md`, ..."""
    text = "\n".join(c.text for c in readme().prose + readme().code)
    top = r"(?:app|lapor_mock|tests|bench|docs|ops|migrations|requirements)"
    named = re.finditer(rf"(?<![\w./-])({top}/[\w./-]*[\w/])", text)
    missing = [f"{m[1]}" for m in named if not (ROOT / m[1]).exists()]
    assert not missing, _failures("README names files that are not in the project", missing)
