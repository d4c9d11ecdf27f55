"""`tui-chat doctor`: probe a server with a few tiny requests, print what it supports, and save
its quirks so the engine adapts to them (engine/quirks.py).

Exit status: 0 the server streams replies; 1 unreachable, refused the key, or could not
stream; 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tui_chat.commands.common import add_connection_options, settings_from_args
from tui_chat.commands.exit_codes import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE
from tui_chat.config import ConfigError, Settings, mask_secret

if TYPE_CHECKING:
    from tui_chat.doctor.diagnosis import Diagnosis

DEFAULT_PROBE_TIMEOUT = 20.0
_RAW_PROBES = ("stream", "tools", "tools-unstreamed", "parallel")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="probe a server: what it supports, and the quirks tui-chat adapts to",
        description="Send a few tiny requests to the server and print what it supports: streaming, "
        "[DONE], usage, tool-call shape, parallel calls, reasoning, context window. What it learns "
        "is saved, and the app and `ask` adapt to it. Exit status: 0 the server streams, "
        "1 unreachable / key refused / no streaming, 2 usage or configuration error.",
    )
    add_connection_options(parser, subcommand=True)
    parser.add_argument(
        "--json", dest="json_output", action="store_true", help="print JSON (for bug reports)"
    )
    parser.add_argument(
        "--raw",
        nargs="?",
        const="stream",
        choices=_RAW_PROBES,
        metavar="PROBE",
        help=f"also print the raw SSE lines of one probe ({', '.join(_RAW_PROBES)}; default stream)",
    )
    parser.add_argument(
        "--probe-timeout",
        type=_seconds,
        default=DEFAULT_PROBE_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on each probe after this long (default {DEFAULT_PROBE_TIMEOUT:g})",
    )
    parser.add_argument("--no-save", action="store_true", help="do not save what was learned")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        from tui_chat.engine.providers import check_settings

        check_settings(settings)
    except ConfigError as exc:
        print(f"tui-chat doctor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # No model named (the built-in default, or an endpoint without one): probe the server's first.
    model_given = bool(settings.model) and settings.sources.get("model", "default") != "default"
    diagnosis, saved = asyncio.run(
        _diagnose(settings, args.probe_timeout, model_given, save=not args.no_save)
    )
    if args.json_output:
        print(json.dumps(as_json(diagnosis, settings, saved, args.raw), indent=2))
    elif diagnosis.probes or diagnosis.fatal is None:
        # Unreachable or a refused key: the one line on stderr says all there is.
        print_report(diagnosis, settings, saved, sys.stdout)
        if args.raw:
            print_raw(diagnosis, args.raw, sys.stdout)
    if not diagnosis.exit_ok:
        if not args.json_output:
            print(f"tui-chat doctor: {diagnosis.fatal or 'the server could not be probed'}", file=sys.stderr)
        return EXIT_API_ERROR
    return EXIT_OK


async def _diagnose(
    settings: Settings, timeout: float, model_given: bool, *, save: bool
) -> tuple[Diagnosis, str | None]:
    from tui_chat.doctor.diagnosis import diagnose
    from tui_chat.engine import quirks
    from tui_chat.engine.providers import make_client

    # No retries: an unreachable server should say so in seconds, not after backing off.
    quick = dataclasses.replace(settings, max_retries=0, timeout=timeout, connect_timeout=min(timeout, 5.0))
    client = make_client(quick)
    async with client:
        diagnosis = await diagnose(
            client,
            settings.model,
            model_given=model_given,
            timeout=timeout,
            api_key=settings.api_key,
            probe_context=settings.provider == "openai" and "api.openai.com" not in str(client.base_url),
        )
    saved = None
    if save and diagnosis.quirks is not None:
        path = quirks.save(diagnosis.base_url, diagnosis.model, diagnosis.quirks)
        saved = str(path) if path is not None else None
    return diagnosis, saved


def _key_text(settings: Settings) -> str:
    if not settings.api_key:
        return "none"
    source = settings.sources.get("api_key")
    return mask_secret(settings.api_key) + (f" ({source})" if source else "")


def print_report(d: Diagnosis, settings: Settings, saved: str | None, out: TextIO) -> None:
    if settings.endpoints:  # named endpoints are in use: say which one was probed
        print(f"endpoint {settings.endpoint}", file=out)
    print(f"server   {d.base_url}", file=out)
    print(f"model    {d.model}", file=out)
    print(f"provider {settings.provider}, key {_key_text(settings)}", file=out)
    print("", file=out)
    checks = d.checks()
    width = max((len(c.name) for c in checks), default=10) + 2
    for check in checks:
        mark = {True: "ok", False: "!!", None: "  "}[check.ok]
        print(f"{mark} {check.name.ljust(width)}{check.result}", file=out)
    if d.quirks is not None:
        adapted = ", ".join(d.quirks.adaptations) or "nothing to adapt"
        print("", file=out)
        print(f"adapted: {adapted}", file=out)
        if saved:
            print(f"saved to {saved}", file=out)


def print_raw(d: Diagnosis, probe: str, out: TextIO) -> None:
    found = d.probes.get(probe)
    print("", file=out)
    if found is None:
        print(f"(probe {probe!r} did not run)", file=out)
        return
    print(f"raw lines of probe {probe!r}:", file=out)
    for line in found.raw_lines:
        print(line, file=out)


def as_json(d: Diagnosis, settings: Settings, saved: str | None, raw: str | None) -> dict[str, Any]:
    from tui_chat import __version__

    out: dict[str, Any] = {
        "tui_chat": __version__,
        "endpoint": settings.endpoint,
        "base_url": d.base_url,
        "model": d.model,
        "provider": settings.provider,
        "api_key": _key_text(settings),
        "ok": d.exit_ok,
        "error": d.fatal,
        "checks": [{"name": c.name, "result": c.result, "ok": c.ok} for c in d.checks()],
        "quirks": d.quirks.to_json() if d.quirks is not None else None,
        "adaptations": d.quirks.adaptations if d.quirks is not None else [],
        "saved_to": saved,
    }
    if raw is not None:
        found = d.probes.get(raw)
        out["raw"] = {"probe": raw, "lines": found.raw_lines if found is not None else []}
    return out
