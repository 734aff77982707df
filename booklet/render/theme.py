"""Templates and theme files, looked up in an ordered list of folders.

A booklet root's own ``templates/`` comes first and overrides the packaged defaults
file by file; the defaults are this repository's ``templates/`` (copied into the
wheel as ``booklet/templates``).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.errors import TemplateError

if TYPE_CHECKING:
    import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent


def default_template_dir() -> Path:
    """Return the packaged templates, or the source checkout's when running from it."""
    packaged = _PACKAGE / "templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "templates"


def template_dirs(root: Path) -> list[Path]:
    """Return the folders searched for templates and theme files, first match wins."""
    dirs = []
    own = (root / "templates").resolve()
    if own.is_dir():
        dirs.append(own)
    default = default_template_dir().resolve()
    if default not in dirs:
        dirs.append(default)
    return dirs


def make_environment(root: Path) -> jinja2.Environment:
    """Return a Jinja2 environment with autoescaping on and undefined names as errors.

    One per root and process, so a worker building many booklets compiles each template once
    (Jinja2's auto_reload still notices an edited template).
    """
    return _environment(root.resolve())


@lru_cache(maxsize=8)
def _environment(root: Path) -> jinja2.Environment:
    import jinja2          # here, not at the top: a build with nothing to do never needs it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(root)]),
        bytecode_cache=_bytecode_cache(root / ".cache" / "booklet" / "jinja"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _bytecode_cache(folder: Path):
    """Compiled templates kept between runs (compiling them was a sixth of a one-chapter
    rebuild); Jinja2 checks each against its source, and a folder that cannot be written
    only costs speed."""
    import jinja2

    class Cache(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return Cache(str(folder))


def theme_file(root: Path, name: str) -> Path:
    """Return the first theme file called *name* in the template folders."""
    for folder in template_dirs(root):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise TemplateError(f"theme file {name!r} not found", root / "templates",
                        hint=f"looked in {', '.join(str(d) for d in template_dirs(root))}")


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    """Render template *name*, turning Jinja2's errors into TemplateError with file and line."""
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", exc.filename or name, exc.lineno,
                            hint="see https://jinja.palletsprojects.com/templates/") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found", name) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template error: {exc.message}", _template_path(env, name),
                            _error_line(exc, name)) from None


def _template_path(env: jinja2.Environment, name: str) -> str:
    import jinja2

    try:
        return env.get_template(name).filename or name
    except jinja2.TemplateError:
        return name


def _error_line(exc: BaseException, name: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line
