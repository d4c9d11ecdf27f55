"""How many tokens a model's context holds, and what its tokens cost: per model, from the config
first, then what the server said about itself, then a small built-in table. UI-free, no SDK.

    [models."gpt-4o*"]          # glob patterns, first match in file order wins
    context_window = 128000
    input_per_mtok = 2.50       # price per million prompt tokens (any currency)
    output_per_mtok = 10.00

The server's own figure is what `tui-chat doctor` saved in the quirks file (vLLM `max_model_len`,
llama.cpp `/props` `n_ctx`, LM Studio `max_context_length`, Ollama `num_ctx` or the model's
`context_length`); the engine never probes the server again for it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.engine import quirks

WindowSource = Literal["config", "server", "built-in", "unknown"]

# Well-known families (lower-case globs, first match wins): a starting point, not the truth
# for every deployment; a config entry or the server's own figure overrides it.
BUILT_IN_WINDOWS: tuple[tuple[str, int], ...] = (
    ("gpt-4.1*", 1_047_576),
    ("gpt-5*", 400_000),
    ("gpt-4o*", 128_000),
    ("gpt-4-turbo*", 128_000),
    ("gpt-4-32k*", 32_768),
    ("gpt-4*", 8_192),
    ("gpt-3.5-turbo*", 16_385),
    ("o1*", 200_000),
    ("o3*", 200_000),
    ("o4*", 200_000),
    ("claude*", 200_000),
    ("*llama3.1*", 131_072),
    ("*llama-3.1*", 131_072),
    ("*llama3.2*", 131_072),
    ("*llama-3.2*", 131_072),
    ("*llama3*", 8_192),
    ("*qwen2.5*", 32_768),
    ("*qwen3*", 40_960),
    ("*mistral*", 32_768),
    ("*gemma3*", 131_072),
    ("*gemma2*", 8_192),
    ("*smollm2*", 8_192),
)


@dataclass(frozen=True)
class ContextWindow:
    tokens: int | None  # None: unknown
    source: WindowSource
    # Ollama runs with num_ctx and silently drops the oldest tokens past it: the server's
    # figure is then a hard edge that truncates instead of failing. Set when doctor found the
    # server to be one that does (quirks.TRUNCATING_SERVERS), whatever its port.
    truncates: bool = False


@dataclass(frozen=True)
class Prices:
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """What the tokens cost, or None when no price is set."""
        if self.input_per_mtok is None and self.output_per_mtok is None:
            return None
        return (
            prompt_tokens * (self.input_per_mtok or 0.0) + completion_tokens * (self.output_per_mtok or 0.0)
        ) / 1_000_000


@dataclass
class ModelCatalog:
    """The `[models."PATTERN"]` tables of the config and the server they talk to."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_url: str = ""
    quirks_path: Any = None  # tests point this at a file of their own; None: the data directory
    _windows: dict[tuple[str, str], ContextWindow] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Any) -> ModelCatalog:
        base_url = settings.base_url or settings.azure_endpoint or "https://api.openai.com/v1"
        return cls(dict(settings.models), str(base_url))

    def _matching(self, model: str) -> list[dict[str, Any]]:
        return [t for pattern, t in self.tables.items() if fnmatch.fnmatchcase(model, pattern)]

    def window(self, model: str, base_url: str | None = None) -> ContextWindow:
        """The window of `model` (read once per model and server: the meter asks often)."""
        key = (model, base_url or self.base_url)
        if key not in self._windows:
            self._windows[key] = self._resolve(model, key[1])
        return self._windows[key]

    def _resolve(self, model: str, base_url: str) -> ContextWindow:
        for table in self._matching(model):
            value = table.get("context_window")
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return ContextWindow(value, "config")
        known = quirks.load(base_url or self.base_url, model, self.quirks_path)
        if known is not None and known.context_window:
            return ContextWindow(
                known.context_window, "server", truncates=_truncates(known, base_url or self.base_url)
            )
        lower = model.lower()
        for pattern, tokens in BUILT_IN_WINDOWS:
            if fnmatch.fnmatchcase(lower, pattern):
                return ContextWindow(tokens, "built-in")
        return ContextWindow(None, "unknown")

    def prices(self, model: str) -> Prices:
        for table in self._matching(model):
            i, o = _price(table.get("input_per_mtok")), _price(table.get("output_per_mtok"))
            if i is not None or o is not None:
                return Prices(i, o)
        return Prices()


def _price(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _truncates(known: quirks.ServerQuirks, base_url: str) -> bool:
    """Whether the server cuts a prompt past its window silently: what doctor found it to be
    (it always says, for a window it read from the server's own route). An entry saved by a
    doctor from before it said falls back to Ollama's default port until doctor runs again."""
    if known.server is not None:
        return known.server in quirks.TRUNCATING_SERVERS
    return ":11434" in base_url
