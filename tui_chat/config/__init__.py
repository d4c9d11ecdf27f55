"""Settings: command-line flag > environment > config file (TOML) > defaults.

The `Settings` fields (settings.py, one schema: each field's check and place in the file) are
the contract the rest of the app reads; loading.py reads the file and layers the sources,
writing.py writes one value back, checks.py holds the value checks.
"""

from tui_chat.config.errors import ConfigError
from tui_chat.config.loading import (
    DEFAULT_AZURE_API_VERSION,
    DEFAULT_OPENAI_BASE_URL,
    load_settings,
    mask_secret,
    parse_config_text,
    read_config_file,
)
from tui_chat.config.settings import Provider, Settings, ToolPolicy
from tui_chat.config.writing import remove_setting, save_setting

__all__ = [
    "DEFAULT_AZURE_API_VERSION",
    "DEFAULT_OPENAI_BASE_URL",
    "ConfigError",
    "Provider",
    "Settings",
    "ToolPolicy",
    "load_settings",
    "mask_secret",
    "parse_config_text",
    "read_config_file",
    "remove_setting",
    "save_setting",
]
