"""`--theme NAME` for the app's command line. Kept free of Textual: the argument parser is built
for every subcommand, and `tui-chat ask` must not load Textual."""

from __future__ import annotations

import argparse


def add_theme_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--theme NAME`: this run only; the saved choice (config file `theme`) is untouched.
    Pass `args.theme` to `setup_themes(app, requested=...)`, which rejects an unknown name with
    UnknownThemeError (its message lists the available themes)."""
    parser.add_argument(
        "--theme",
        metavar="NAME",
        default=None,
        help="use this theme for this run only (the command palette's 'Theme: change theme' "
        "saves one); `python -m tui_chat.ui.themes` lists them",
    )
