"""Built-in weather tool backed by Open-Meteo (free, no key): geocoding, then the forecast API.

It never invents data: when the service is unreachable or answers nonsense, the model is
told so in words and asked not to guess.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from tui_chat import __version__
from tui_chat.tools.decorator import tool
from tui_chat.tools.execution import ToolError

if TYPE_CHECKING:
    import urllib.error

TemperatureUnit = Literal["celsius", "fahrenheit"]
DEFAULT_HTTP_TIMEOUT = 10.0  # seconds per request; the tool's own timeout still applies on top
_CURRENT_FIELDS = (
    "temperature_2m",
    "apparent_temperature",
    "relative_humidity_2m",
    "weather_code",
    "wind_speed_10m",
)
_NO_GUESSING = "Tell the user the weather is unavailable right now; do not guess it."

# WMO weather interpretation codes, as documented by Open-Meteo.
WEATHER_CODES = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "moderate drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "moderate rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "heavy freezing rain",
    71: "slight snow fall",
    73: "moderate snow fall",
    75: "heavy snow fall",
    77: "snow grains",
    80: "slight rain showers",
    81: "moderate rain showers",
    82: "violent rain showers",
    85: "slight snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with slight hail",
    99: "thunderstorm with heavy hail",
}


def make_weather_tool(
    *,
    weather_base_url: str,
    geocoding_base_url: str,
    http_timeout: float = DEFAULT_HTTP_TIMEOUT,
) -> Callable[..., dict[str, Any]]:
    """The `get_current_weather` tool, bound to the given Open-Meteo base URLs."""

    @tool(policy="always")
    def get_current_weather(location: str, unit: TemperatureUnit = "celsius") -> dict[str, Any]:
        """Get the current weather for a place, from the Open-Meteo service.

        Args:
            location: A place name, optionally followed by a region or country,
                e.g. "Paris" or "Paris, France".
            unit: The temperature unit.
        """
        place = _find_place(geocoding_base_url, location, http_timeout)
        current, units = _fetch_current(weather_base_url, place, unit, http_timeout)
        return _report(place, current, units)

    return get_current_weather


def _find_place(base_url: str, location: str, timeout: float) -> dict[str, Any]:
    name, _, qualifier = (part.strip() for part in location.partition(","))
    if not name:
        raise ToolError("No location was given. Ask the user which place they mean.")
    # A qualifier ("Paris, Texas") needs several candidates to pick from.
    query = {"name": name, "count": 10 if qualifier else 1, "language": "en", "format": "json"}
    body = _get_json(f"{base_url.rstrip('/')}/v1/search?{urllib.parse.urlencode(query)}", timeout)
    results = body.get("results") or []
    if not isinstance(results, list) or not results:
        raise ToolError(
            f"No place called {location!r} was found. Ask the user to check the spelling "
            "or to name a nearby larger town."
        )
    matching = [r for r in results if isinstance(r, dict) and _matches(r, qualifier)]
    place = (matching or results)[0]
    if not isinstance(place, dict) or not all(_is_number(place.get(k)) for k in ("latitude", "longitude")):
        raise _malformed("the place it found has no coordinates")
    return place


def _matches(place: dict[str, Any], qualifier: str) -> bool:
    if not qualifier:
        return True
    wanted = qualifier.casefold()
    fields = (place.get("country"), place.get("country_code"), place.get("admin1"), place.get("admin2"))
    return any(isinstance(f, str) and (wanted in f.casefold() or f.casefold() in wanted) for f in fields)


def _fetch_current(
    base_url: str, place: dict[str, Any], unit: str, timeout: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    query = {
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "current": ",".join(_CURRENT_FIELDS),
        "temperature_unit": unit,
        "timezone": "auto",
    }
    body = _get_json(f"{base_url.rstrip('/')}/v1/forecast?{urllib.parse.urlencode(query)}", timeout)
    current, units = body.get("current"), body.get("current_units") or {}
    if not isinstance(current, dict) or not _is_number(current.get("temperature_2m")):
        raise _malformed("there is no current temperature in it")
    return current, units if isinstance(units, dict) else {}


def _report(place: dict[str, Any], current: dict[str, Any], units: dict[str, Any]) -> dict[str, Any]:
    def reading(field: str) -> str | None:
        value = current.get(field)
        if not _is_number(value):
            return None
        unit = units.get(field)
        return f"{value} {unit}" if unit else str(value)

    where = [place.get(k) for k in ("name", "admin1", "country")]
    code = current.get("weather_code")
    report = {
        "location": ", ".join(dict.fromkeys(str(w) for w in where if w)),
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "observed_at": current.get("time"),
        "temperature": reading("temperature_2m"),
        "feels_like": reading("apparent_temperature"),
        "conditions": WEATHER_CODES.get(code) if isinstance(code, int) else None,
        "relative_humidity": reading("relative_humidity_2m"),
        "wind_speed": reading("wind_speed_10m"),
        "source": "Open-Meteo",
    }
    return {k: v for k, v in report.items() if v is not None}


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    # urllib.request pulls in http.client and email: imported on the first call, not at start-up.
    import urllib.error
    import urllib.request

    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(
        url, headers={"User-Agent": f"tui-chat/{__version__}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise ToolError(
            f"The weather service ({host}) answered HTTP {exc.code}{_reason(exc)}. {_NO_GUESSING}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS failure, timeout, reset
        reason = getattr(exc, "reason", None) or exc
        raise ToolError(f"Could not reach the weather service ({host}): {reason}. {_NO_GUESSING}") from None
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _malformed("it is not JSON") from None
    if not isinstance(body, dict):
        raise _malformed("it is not a JSON object")
    return body


def _reason(exc: urllib.error.HTTPError) -> str:
    """Open-Meteo explains errors as {"error": true, "reason": "..."}."""
    try:
        reason = json.loads(exc.read()).get("reason")
    except Exception:  # any unreadable body just means no extra detail
        return ""
    return f" ({reason})" if isinstance(reason, str) and reason else ""


def _malformed(why: str) -> ToolError:
    return ToolError(f"The weather service sent a response that could not be used ({why}). {_NO_GUESSING}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
