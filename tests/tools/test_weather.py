"""get_current_weather against a loopback Open-Meteo: real data or a clear error, never made up."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.tools.weather_server import BERLIN, Reply, WeatherServer, running_weather_server
from tui_chat.config import Settings
from tui_chat.tools.builtin.weather import make_weather_tool
from tui_chat.tools.registry import ToolOutcome, ToolRegistry
from tui_chat.tools.setup import build_registry


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WeatherServer]:
    for proxy_variable in ("no_proxy", "NO_PROXY"):  # a developer's HTTP proxy must not catch loopback
        monkeypatch.setenv(proxy_variable, "127.0.0.1,localhost")
    with running_weather_server() as running:
        yield running


async def ask_weather(base_url: str, arguments: dict) -> ToolOutcome:
    registry = ToolRegistry(default_timeout=10)
    registry.register(
        make_weather_tool(weather_base_url=base_url, geocoding_base_url=base_url, http_timeout=5)
    )
    return await registry.execute("get_current_weather", json.dumps(arguments))


async def test_reports_the_services_readings(server: WeatherServer) -> None:
    outcome = await ask_weather(server.base_url, {"location": "Berlin"})

    assert outcome.status == "ok", outcome.content
    assert json.loads(outcome.content) == {
        "location": "Berlin, Land Berlin, Germany",
        "latitude": BERLIN["latitude"],
        "longitude": BERLIN["longitude"],
        "observed_at": "2024-05-01T14:00",
        "temperature": "13.2 °C",
        "feels_like": "12.0 °C",
        "conditions": "overcast",
        "relative_humidity": "61 %",
        "wind_speed": "11.5 km/h",
        "source": "Open-Meteo",
    }
    (search_path, search), (forecast_path, forecast) = server.requests
    assert (search_path, search["name"], search["count"]) == ("/v1/search", "Berlin", "1")
    assert forecast_path == "/v1/forecast"
    assert (float(forecast["latitude"]), float(forecast["longitude"])) == (52.52437, 13.41053)
    assert "temperature_2m" in forecast["current"].split(",")


async def test_fahrenheit_is_requested_from_the_service(server: WeatherServer) -> None:
    outcome = await ask_weather(server.base_url, {"location": "Berlin", "unit": "fahrenheit"})
    assert json.loads(outcome.content)["temperature"] == "55.8 °F"
    assert server.requests[-1][1]["temperature_unit"] == "fahrenheit"


async def test_a_region_after_a_comma_picks_the_matching_place(server: WeatherServer) -> None:
    paris_fr = {"name": "Paris", "latitude": 48.85, "longitude": 2.35, "country": "France"}
    paris_tx = {"name": "Paris", "latitude": 33.66, "longitude": -95.56, "country": "United States",
                "admin1": "Texas"}  # fmt: skip
    server.places["paris"] = [paris_fr, paris_tx]

    outcome = await ask_weather(server.base_url, {"location": "Paris, Texas"})
    assert json.loads(outcome.content)["location"] == "Paris, Texas, United States"
    assert server.requests[0][1]["name"] == "Paris"


async def test_unknown_place_is_an_error_not_a_guess(server: WeatherServer) -> None:
    outcome = await ask_weather(server.base_url, {"location": "Atlantis"})
    assert outcome.status == "error"
    assert "No place called 'Atlantis' was found" in outcome.content
    assert [path for path, _ in server.requests] == ["/v1/search"]


async def test_unreachable_service_is_reported() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = await ask_weather(f"http://127.0.0.1:{port}", {"location": "Berlin"})
    assert outcome.status == "error"
    assert f"Could not reach the weather service (127.0.0.1:{port})" in outcome.content
    assert "do not guess" in outcome.content


async def test_http_error_is_reported_with_the_services_reason(server: WeatherServer) -> None:
    server.overrides["forecast"] = Reply(500, {"error": True, "reason": "Backend overloaded"})
    outcome = await ask_weather(server.base_url, {"location": "Berlin"})
    assert outcome.status == "error"
    assert "answered HTTP 500 (Backend overloaded)" in outcome.content


@pytest.mark.parametrize(
    ("endpoint", "reply"),
    [
        ("forecast", Reply(200, b"<html>maintenance</html>")),
        ("forecast", Reply(200, {"latitude": 52.5, "current": {"time": "2024-05-01T14:00"}})),
        ("forecast", Reply(200, [1, 2, 3])),
        ("search", Reply(200, {"results": [{"name": "Berlin"}]})),
    ],
    ids=["not-json", "no-temperature", "not-an-object", "place-without-coordinates"],
)
async def test_malformed_responses_are_reported(server: WeatherServer, endpoint: str, reply: Reply) -> None:
    server.overrides[endpoint] = reply
    outcome = await ask_weather(server.base_url, {"location": "Berlin"})
    assert outcome.status == "error"
    assert "could not be used" in outcome.content


async def test_settings_choose_the_service(server: WeatherServer) -> None:
    settings = Settings(weather_base_url=server.base_url, geocoding_base_url=server.base_url)
    outcome = await build_registry(settings).registry.execute("get_current_weather", '{"location": "berlin"}')
    assert json.loads(outcome.content)["temperature"] == "13.2 °C"


async def test_unit_must_be_one_the_service_knows(server: WeatherServer) -> None:
    outcome = await ask_weather(server.base_url, {"location": "Berlin", "unit": "kelvin"})
    assert outcome.status == "error"
    assert "'unit'" in outcome.content
    assert server.requests == []
