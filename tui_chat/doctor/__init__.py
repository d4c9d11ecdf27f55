"""`tui-chat doctor`: probe a server (probes.py), read what it does (diagnosis.py). UI-free;
what it learns is saved through tui_chat.engine.quirks, which the engine reads."""
