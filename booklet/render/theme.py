"""Templates and theme files, looked up in an ordered list of folders.

A booklet root's own ``templates/`` comes first and overrides the packaged defaults
file by file; the defaults are this repository's ``templates/`` (copied into the
wheel as ``booklet/templates``). A root's templates are untrusted (issue 15): they run in
Jinja2's immutable sandbox, every file they load must lie inside the root, and any error
they cause is reported as ``templates/<file>:line``.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from booklet.errors import TemplateError
from booklet.limits import MAX_TEMPLATE_DEPTH
from booklet.read.paths import inside

if TYPE_CHECKING:
    import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent
_JINJA_HINT = "see https://jinja.palletsprojects.com/templates/"


def default_template_dir() -> Path:
    """Return the packaged templates, or the source checkout's when running from it."""
    packaged = _PACKAGE / "templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "templates"


def template_dirs(root: Path) -> list[Path]:
    """Return the folders searched for templates and theme files, first match wins."""
    dirs = []
    own = root / "templates"
    if own.is_dir():
        dirs.append(inside(own, root, "templates folder", TemplateError))
    default = default_template_dir().resolve()
    if default not in dirs:
        dirs.append(default)
    return dirs


def make_environment(root: Path) -> jinja2.Environment:
    """Return a sandboxed Jinja2 environment with autoescaping on and undefined names as errors.

    One per root and process, so a worker building many booklets compiles each template once
    (Jinja2's auto_reload still notices an edited template).
    """
    return _environment(root.resolve())


@lru_cache(maxsize=8)
def _environment(root: Path) -> jinja2.Environment:
    import jinja2          # here, not at the top: a build with nothing to do never needs it

    # No bytecode cache: Jinja2's cache is marshalled code, and one kept in the root's .cache
    # could be forged by whoever sent the root. Compiling all ten costs ~20 ms a process.
    return _sandbox()(
        loader=_contained_loader()(root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _sandbox():
    """Return the environment class: Jinja2's immutable sandbox, with paths as values only."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        def is_safe_attribute(self, obj, attr, value) -> bool:
            # A template sees paths (booklet.root, chapter.path) but may not open them:
            # {{ (booklet.root / "../x").read_text() }} would read any file.
            if isinstance(obj, PurePath):
                return False
            return super().is_safe_attribute(obj, attr, value)

    return Sandbox


@lru_cache(maxsize=1)
def _contained_loader():
    """Return the loader class (made here so importing this module does not import Jinja2)."""
    import jinja2
    from jinja2.loaders import split_template_path

    class ContainedLoader(jinja2.BaseLoader):
        """Load from the root's ``templates/`` then the defaults, never through a link out."""

        def __init__(self, root: Path):
            self.root = root
            self.checked: dict[str, object] = {}    # name -> the Template whose includes were checked

        def get_source(self, environment, template: str):
            pieces = split_template_path(template)      # refuses "..": the name stays in its folder
            for folder in template_dirs(self.root):
                path = folder.joinpath(*pieces)
                if path.is_file() or path.is_symlink():
                    real = inside(path, _base(self.root, folder), f"template {template!r}", TemplateError)
                    mtime = _mtime(real)
                    return _read_template(path, real), str(path), lambda: _mtime(real) == mtime
            raise jinja2.TemplateNotFound(template)

    return ContainedLoader


def _read_template(path: Path, real: Path) -> str:
    """Return a template's text, or raise TemplateError naming the file, line and byte."""
    try:
        raw = real.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read the template: {exc.strerror or exc}", path,
                            hint="check that it is a readable file") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TemplateError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path, line,
                            hint="save the file as UTF-8") from None


def _base(root: Path, folder: Path) -> Path:
    """The folder a file found in *folder* must stay inside: the root, or the packaged defaults."""
    return folder if folder == default_template_dir().resolve() else root


def _mtime(path: Path) -> float | None:
    try:
        return os.path.getmtime(path)
    except OSError:
        return None


def theme_file(root: Path, name: str) -> Path:
    """Return the first theme file called *name* in the template folders, links followed."""
    for folder in template_dirs(root):
        candidate = folder / name
        if candidate.is_file() or candidate.is_symlink():
            return inside(candidate, _base(root, folder), f"theme file {name!r}", TemplateError)
    raise TemplateError(f"theme file {name!r} not found", root / "templates",
                        hint=f"looked in {', '.join(str(d) for d in template_dirs(root))}")


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    """Render template *name*; any error it causes becomes a TemplateError with file and line."""
    import jinja2

    try:
        template = env.get_template(name)
        if env.loader.checked.get(name) is not template:     # once per template (and per edit)
            check_includes(env, name)
            env.loader.checked[name] = template
        return template.render(**context)
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", exc.filename or name, exc.lineno,
                            hint=_JINJA_HINT) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found", _template_path(env, name),
                            hint="check the name in the include, import or extends tag") from None
    except jinja2.exceptions.SecurityError as exc:
        forbidden = str(exc).rstrip(".")
        raise _runtime_error(env, name, exc, f"template tried something the sandbox forbids: {forbidden}",
                             "templates may read the values they are given, not Python internals") from None
    except jinja2.UndefinedError as exc:
        raise _runtime_error(env, name, exc, f"template error: {exc.message}",
                             "check the name against the values the default templates use") from None
    except RecursionError as exc:
        raise _runtime_error(env, name, exc, "template calls itself without end (a recursive macro?)",
                             "give the recursion a condition that stops it") from None
    except Exception as exc:   # noqa: BLE001 - a template can raise anything Python can (1//0, [][1])
        raise _runtime_error(env, name, exc, f"template error: {type(exc).__name__}: {exc}",
                             "fix the expression on that line") from None


def _runtime_error(env, name: str, exc: BaseException, message: str, hint: str) -> TemplateError:
    path, line = _error_place(exc)
    return TemplateError(message, path or _template_path(env, name), line, hint=hint)


def _template_path(env: jinja2.Environment, name: str) -> str:
    import jinja2

    try:
        return env.get_template(name).filename or name
    except (jinja2.TemplateError, TemplateError, OSError):
        return name


def _error_place(exc: BaseException) -> tuple[str | None, int | None]:
    """Return the template file and line of the innermost template frame of *exc*."""
    tb = exc.__traceback__
    place: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        filename = tb.tb_frame.f_code.co_filename
        if template is not None:
            place = (template.filename, template.get_corresponding_lineno(tb.tb_lineno))
        elif not filename.endswith(".py") and not filename.startswith("<"):
            # Jinja2 rewrites the traceback: its frames carry the template's own name and line.
            place = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return place


def check_includes(env: jinja2.Environment, name: str) -> None:
    """Refuse include, import and extends chains that loop or run deeper than the limit."""
    _walk_includes(env, name, (), set())


def _walk_includes(env, name: str, chain: tuple[str, ...], done: set[str]) -> None:
    """Walk the templates *name* loads, depth first; *done* ones were walked (no loop below them)."""
    import jinja2
    from jinja2 import nodes

    template = env.get_template(name)
    source, filename, _ = env.loader.get_source(env, name)
    tree = env.parse(source, name, filename)
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        child = node.template
        if not isinstance(child, nodes.Const) or not isinstance(child.value, str):
            raise TemplateError("include, import or extends with a computed name cannot be checked",
                                template.filename, node.lineno, hint="name the template as a quoted string")
        if child.value == name or child.value in chain:
            raise TemplateError(f"template includes itself (through {' -> '.join((*chain, name, child.value))})",
                                template.filename, node.lineno, hint="remove the include that loops")
        if len(chain) + 1 >= MAX_TEMPLATE_DEPTH:
            raise TemplateError(f"templates include each other more than {MAX_TEMPLATE_DEPTH} deep",
                                template.filename, node.lineno, hint="flatten the includes")
        try:
            env.get_template(child.value)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template {child.value!r} not found", template.filename, node.lineno,
                                hint="check the name in the include, import or extends tag") from None
        if child.value not in done:         # a template included many times is walked once
            _walk_includes(env, child.value, (*chain, name), done)
    done.add(name)
