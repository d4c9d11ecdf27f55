"""A loopback stand-in for Open-Meteo's geocoding (/v1/search) and forecast (/v1/forecast)
endpoints, scriptable per test, recording every request it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BERLIN = {
    "name": "Berlin",
    "latitude": 52.52437,
    "longitude": 13.41053,
    "country": "Germany",
    "country_code": "DE",
    "admin1": "Land Berlin",
    "timezone": "Europe/Berlin",
}


def forecast_for(latitude: float, longitude: float, unit: str) -> dict[str, Any]:
    """A forecast body shaped like Open-Meteo's, with fixed readings."""
    fahrenheit = unit == "fahrenheit"
    symbol = "°F" if fahrenheit else "°C"
    return {
        "latitude": latitude,
        "longitude": longitude,
        "timezone": "Europe/Berlin",
        "current_units": {
            "time": "iso8601",
            "interval": "seconds",
            "temperature_2m": symbol,
            "apparent_temperature": symbol,
            "relative_humidity_2m": "%",
            "weather_code": "wmo code",
            "wind_speed_10m": "km/h",
        },
        "current": {
            "time": "2024-05-01T14:00",
            "interval": 900,
            "temperature_2m": 55.8 if fahrenheit else 13.2,
            "apparent_temperature": 53.6 if fahrenheit else 12.0,
            "relative_humidity_2m": 61,
            "weather_code": 3,
            "wind_speed_10m": 11.5,
        },
    }


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless it is bytes


@dataclass
class WeatherServer:
    base_url: str = ""
    places: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"berlin": [BERLIN]})
    # Set to override the normal answer of an endpoint ("search" or "forecast").
    overrides: dict[str, Reply] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self, path: str, query: dict[str, str]) -> Reply:
        self.requests.append((path, query))
        endpoint = path.rsplit("/", 1)[-1]
        if endpoint in self.overrides:
            return self.overrides[endpoint]
        if path == "/v1/search":
            found = self.places.get(query.get("name", "").casefold(), [])
            results = found[: int(query.get("count", "10"))]
            # Like Open-Meteo, no "results" key at all when nothing matches.
            return Reply(body={"results": results} if results else {"generationtime_ms": 0.1})
        if path == "/v1/forecast":
            try:
                latitude, longitude = float(query["latitude"]), float(query["longitude"])
            except (KeyError, ValueError):
                return Reply(400, {"error": True, "reason": "Latitude and longitude are required"})
            return Reply(body=forecast_for(latitude, longitude, query.get("temperature_unit", "celsius")))
        return Reply(404, {"error": True, "reason": "Not found"})


@contextmanager
def running_weather_server() -> Iterator[WeatherServer]:
    state = WeatherServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            reply = state.answer(parts.path, query)
            data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval so shutdown() at the end of each test returns at once.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
