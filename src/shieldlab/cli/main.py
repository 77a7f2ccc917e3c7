"""The ``shieldlab`` command: wiring of sub-commands and one place for error handling.

Each command lives in its own module beside this one and is registered here. Errors:
an :class:`~shieldlab.errors.InputError` (bad file, bad option value) prints one line
naming file, line and field and exits 2; usage errors exit 2; anything else is an
internal error, printed as one line and exit 1 (the full traceback with ``--debug``).

Start-up cost: the typer application (typer, its click, pydantic and every command module) is
built only when it is needed -- on first access to :data:`app`. A plain
``shieldlab track`` line is parsed without it (:mod:`shieldlab.cli._track_impl` explains
why); everything else, ``--help`` included, goes through typer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn

from shieldlab.errors import InputError

if TYPE_CHECKING:
    import typer

_HELP = "Simulate a layered air and missile defence and the stability questions it raises."


def _build_app() -> typer.Typer:
    import typer

    from shieldlab import __version__

    application = typer.Typer(
        name="shieldlab",
        help=_HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"shieldlab {__version__}")
            raise typer.Exit()

    @application.callback()
    def _root(
        debug: bool = typer.Option(
            False, "--debug", help="Show the full traceback of internal errors."
        ),
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version."
        ),
    ) -> None:
        """shieldlab: layered air and missile defence, Monte Carlo and closed forms."""

    # Imported here so that each command module stays independent; the modules
    # themselves import numba/scipy lazily, inside their commands.
    from shieldlab.cli import (
        analytic,
        attack,
        check,
        compare,
        examples,
        replay,
        run,
        scenario_cmds,
        stability,
        study,
        track,
        wta,
    )

    run.register(application)
    compare.register(application)
    replay.register(application)
    scenario_cmds.register(application)
    examples.register(application)
    check.register(application)
    track.register(application)
    application.add_typer(analytic.app, name="analytic")
    application.add_typer(wta.app, name="wta")
    application.add_typer(stability.app, name="stability")
    application.add_typer(study.app, name="study")
    application.add_typer(attack.app, name="attack")
    return application


def __getattr__(name: str) -> typer.Typer:
    """``app``, the typer application, built on first access (PEP 562)."""
    if name == "app":
        application = _build_app()
        globals()["app"] = application
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app() -> typer.Typer:
    # Through the module so that a test's monkeypatched ``app`` is the one used.
    return globals()["app"] if "app" in globals() else __getattr__("app")


def one_line(text: str) -> str:
    """``text`` with newlines, other control characters and undecodable bytes escaped
    (``\\n``, ``\\udcff``): an error naming a file ``a\\nb`` is still one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _input_error(exc: InputError, debug: bool) -> NoReturn:
    if debug:
        import traceback

        traceback.print_exc()
    sys.stderr.write(f"shieldlab: error: {one_line(str(exc))}\n")
    sys.exit(exc.exit_code)


def _internal_error(exc: Exception, debug: bool) -> NoReturn:
    from shieldlab._io import OUTPUT_ERRNOS, output_error

    if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS and exc.filename:
        # The environment, not a bug: a full disk, a file-size limit, a read-only file
        # system under a writer that did not name its option. One line, exit 2.
        _input_error(output_error(exc, exc.filename, None), debug)
    if debug:
        import traceback

        traceback.print_exc()
    sys.stderr.write(
        f"shieldlab: internal error: {type(exc).__name__}: {one_line(str(exc))}"
        f"{'' if debug else ' (rerun with --debug for the traceback)'}\n"
    )
    sys.exit(1)


def _interrupted() -> NoReturn:
    # A second Ctrl-C while exiting (closing a Dask cluster, say) ends the process at
    # once, by the signal, instead of printing a traceback from an exit handler.
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stderr.write("shieldlab: interrupted\n")
    sys.exit(130)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that clean-up code runs (workers ended,
    temporary files removed) before the exit; a BaseException like KeyboardInterrupt."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def _signal_contract() -> Iterator[None]:
    """SIGTERM → one line, exit 143 (docs/architecture.md, "Signal contract").

    Installed only when nobody else handles SIGTERM and only in the main thread; the
    previous handler is restored on the way out (``main`` may run inside a test).
    """
    try:
        previous = signal.getsignal(signal.SIGTERM)
        mine = previous == signal.SIG_DFL
        if mine:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        mine = False
    try:
        yield
    except _Terminated:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.stderr.write("shieldlab: terminated\n")
        sys.exit(143)
    finally:
        if mine:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _usage_errors() -> tuple[type[Exception], ...]:
    """The usage-error class of the click that typer runs on.

    Typer >= 0.20 vendors its own copy (``typer._click``) and does not depend on the
    ``click`` package, so ``import click`` fails in a base install (issue 21); older typer
    depends on ``click`` and uses it. ``typer.Exit`` and ``typer.Abort`` are the classes
    either one raises.
    """
    import importlib

    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return (module.ClickException,)
    return ()  # pragma: no cover - typer always has one of the two


def _fast_track(args: list[str]) -> Callable[[], None] | None:
    """The ``track`` command without typer, when :func:`parse_fast` takes the line."""
    if args[:1] != ["track"]:
        return None
    from shieldlab.cli._track_impl import parse_fast, track_and_report

    settings = parse_fast(args[1:])
    if settings is None:
        return None
    if "numpy" not in sys.modules:
        # A fresh process: the tracker's linear algebra works on stacks of 3x3 and 6x6
        # matrices, which BLAS threads cannot share out, and starting OpenBLAS's thread
        # pool costs ~50 ms of CPU (measured) -- a quarter of a short run. setdefault: an
        # explicit setting wins.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return lambda: track_and_report(settings)


def _robust_streams() -> None:
    """Output that cannot be encoded is escaped, never a crash (issue 21, item 13).

    Under ``LANG=C`` (an ASCII stdout) ``study show`` crashed on its '±'; now it prints
    ``\\xb1``. And matplotlib's warning about an unwritable cache directory (a read-only
    HOME) is not news for the user: it works from a temporary one.
    """
    import logging

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")
    logging.getLogger("matplotlib").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``shieldlab`` script."""
    _robust_streams()
    with _signal_contract():
        _main(argv)


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    fast = _fast_track(args)
    if fast is not None:
        try:
            fast()
        except InputError as exc:
            _input_error(exc, debug)
        except KeyboardInterrupt:
            _interrupted()
        except Exception as exc:
            _internal_error(exc, debug)
        return

    import typer

    usage_errors = _usage_errors()
    try:
        # Without standalone mode click returns (rather than raises) the code of a
        # ``typer.Exit``: pass a non-zero one on as the process's exit status.
        rc = _app()(args=args, prog_name="shieldlab", standalone_mode=False)
        if rc == 130:  # typer turns a KeyboardInterrupt into a silent Exit(130)
            _interrupted()
        if isinstance(rc, int) and rc != 0:
            sys.exit(rc)
    except InputError as exc:
        _input_error(exc, debug)
    except typer.Abort:
        sys.stderr.write("shieldlab: aborted\n")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except usage_errors as exc:
        # Usage errors (unknown option, bad number, missing argument): exit 2.
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        _interrupted()
    except Exception as exc:
        _internal_error(exc, debug)


if __name__ == "__main__":  # pragma: no cover
    main()
