"""The ``shieldlab`` command: wiring of sub-commands and one place for error handling.

Each command lives in its own module beside this one and is registered here. Errors:
an :class:`~shieldlab.errors.InputError` (bad file, bad option value) prints one line
naming file, line and field and exits 2; usage errors exit 2; anything else is an
internal error, printed as one line and exit 1 (the full traceback with ``--debug``).
"""

from __future__ import annotations

import sys
import traceback

import click
import typer

from shieldlab import __version__
from shieldlab.errors import InputError

# Typer >= 0.20 vendors its own copy of click; usage errors may come from either.
_CLICK_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
try:  # pragma: no cover - depends on the installed typer
    from typer._click.exceptions import ClickException as _TyperClickException

    _CLICK_ERRORS = (click.ClickException, _TyperClickException)
except ImportError:  # pragma: no cover
    pass

app = typer.Typer(
    name="shieldlab",
    help="Simulate a layered air and missile defence and the stability questions it raises.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shieldlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback of internal errors."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """shieldlab: layered air and missile defence, Monte Carlo and closed forms."""


def _register() -> None:
    # Imported here so that each command module stays independent; the modules
    # themselves import numba/scipy lazily, inside their commands.
    from shieldlab.cli import analytic, check, run, scenario_cmds, stability, track, wta

    run.register(app)
    scenario_cmds.register(app)
    check.register(app)
    track.register(app)
    app.add_typer(analytic.app, name="analytic")
    app.add_typer(wta.app, name="wta")
    app.add_typer(stability.app, name="stability")


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``shieldlab`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Without standalone mode click returns (rather than raises) the code of a
        # ``typer.Exit``: pass a non-zero one on as the process's exit status.
        rc = app(args=args, prog_name="shieldlab", standalone_mode=False)
        if isinstance(rc, int) and rc != 0:
            sys.exit(rc)
    except InputError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"shieldlab: error: {exc}\n")
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        sys.stderr.write("shieldlab: aborted\n")
        sys.exit(130)
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except _CLICK_ERRORS as exc:
        # Usage errors (unknown option, bad number, missing argument): exit 2.
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        sys.stderr.write("shieldlab: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(
            f"shieldlab: internal error: {type(exc).__name__}: {exc}"
            f"{'' if debug else ' (rerun with --debug for the traceback)'}\n"
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
