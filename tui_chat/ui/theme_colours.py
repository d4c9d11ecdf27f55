"""The app's own theme variables, derived from a theme's colours when the theme does not set
them (a light theme gets light message backgrounds)."""

from __future__ import annotations

from dataclasses import replace

from textual.color import Color, ColorParseError
from textual.theme import Theme

from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
"""Textual's theme colours; only `primary` is required."""

# ---------------------------------------------------------------------------------------------
# The app's own variables: derived from a theme's colours when the theme does not set them.


def derive_app_variables(theme: Theme) -> dict[str, str]:
    """Values for every app variable (APP_VARIABLE_DEFAULTS' keys) that fit `theme`: message
    backgrounds are the theme's background tinted with its primary / secondary / error colour,
    tool statuses use its warning / success / error text colours. ANSI themes get the
    terminal's own colours."""
    if theme.ansi:
        return {
            "user-message-background": "ansi_default",
            "assistant-message-background": "ansi_default",
            "tool-message-background": "ansi_default",
            "error-message-background": "ansi_default",
            "sidebar-background": "ansi_default",
            "code-block-background": "ansi_default",
            "tool-running": "ansi_yellow",
            "tool-ok": "ansi_green",
            "tool-error": "ansi_red",
            "tool-refused": "ansi_magenta",
        }
    try:
        generated = replace(theme, variables={}).to_color_system().generate()
        colour = {name: Color.parse(generated[name]) for name in COLOUR_KEYS if name in generated}
    except (ColorParseError, KeyError, ValueError):
        return dict(APP_VARIABLE_DEFAULTS)
    if any(c.ansi is not None for c in colour.values()):
        return dict(APP_VARIABLE_DEFAULTS)  # a half-ANSI theme: no arithmetic on its colours
    background = colour["background"]
    foreground = colour.get("foreground") or background.get_contrast_text(1.0)
    surface = colour.get("surface", background)
    dark = theme.dark

    def on_background(tint: Color, factor: float) -> str:
        return background.blend(tint.with_alpha(1.0), factor, alpha=1.0).hex

    def text(name: str, fallback: Color) -> str:
        try:
            return Color.parse(generated[f"text-{name}"]).hex
        except (ColorParseError, KeyError):
            return fallback.hex

    primary = colour["primary"]
    secondary = colour.get("secondary", primary)
    return {
        "user-message-background": on_background(primary, 0.18 if dark else 0.12),
        "assistant-message-background": surface.with_alpha(1.0).hex,
        "tool-message-background": on_background(secondary, 0.14 if dark else 0.10),
        "error-message-background": on_background(colour.get("error", primary), 0.22 if dark else 0.14),
        "sidebar-background": (background.darken(0.03) if dark else background.darken(0.04)).hex,
        "code-block-background": (
            background.darken(0.05) if dark else background.blend(foreground, 0.06)
        ).hex,
        "tool-running": text("warning", colour.get("warning", primary)),
        "tool-ok": text("success", colour.get("success", primary)),
        "tool-error": text("error", colour.get("error", primary)),
        "tool-refused": background.blend(foreground.with_alpha(1.0), 0.6, alpha=1.0).hex,
    }


def _ansi_gaps(theme: Theme) -> dict[str, str]:
    """Variables Textual's ANSI colour system does not generate but its own widgets' CSS uses
    ($ansi-background, $foreground-disabled, ...): Textual's ANSI themes set some by hand."""
    if not theme.ansi:
        return {}
    dark = theme.dark
    return {
        "ansi-background": "ansi_black" if dark else "ansi_white",
        "ansi-foreground": "ansi_white" if dark else "ansi_black",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    }


def with_app_variables(theme: Theme) -> Theme:
    """`theme` with every app variable it lacks filled in by `derive_app_variables` (and, for
    ANSI themes, the Textual variables their colour system leaves out)."""
    gaps = {name: value for name, value in _ansi_gaps(theme).items() if name not in theme.variables}
    missing = [name for name in APP_VARIABLE_DEFAULTS if name not in theme.variables]
    if not missing and not gaps:
        return theme
    derived = derive_app_variables(theme) if missing else {}
    filled = {**gaps, **{name: derived[name] for name in missing}}
    return replace(theme, variables={**filled, **theme.variables})
