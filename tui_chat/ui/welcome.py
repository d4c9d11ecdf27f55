"""The empty log's message: how to start, or (first run) how to configure."""

from __future__ import annotations

from tui_chat.config import Settings


def welcome_text(settings: Settings, not_ready: str) -> str:
    """The empty log's message: how to start, or (first run) how to configure."""
    if not_ready:
        return f"""\
# Welcome to tui-chat

tui-chat is not connected to a model yet: {not_ready}.

**To use OpenAI**, set your key and start again:

```
export OPENAI_API_KEY=sk-...
tui-chat
```

**For a local server** (Ollama, llama.cpp, vLLM, LM Studio) pass its URL and a model:

```
tui-chat --base-url http://localhost:11434/v1 --model llama3.2
```

**Azure OpenAI**: set `AZURE_OPENAI_API_KEY` and `AZURE_OPENAI_ENDPOINT` (and `--model` as
your deployment).

To keep these settings, put them in the config file (`tui-chat config path` prints where;
`tui-chat config show` shows what is in effect). Press **ctrl+q** to quit.
"""
    return """\
Type a message below and press **enter**. **ctrl+j** adds a line, **esc** stops a reply,
**ctrl+o** opens saved sessions, **ctrl+p** lists every command (switch model, system prompt,
tool policies, …).
"""
