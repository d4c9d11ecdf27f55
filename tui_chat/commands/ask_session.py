"""Which conversation `tui-chat ask` continues, and saving it as the turn runs.

`--continue` reopens the most recently used session (archived ones are skipped), `--session ID`
a given one (a unique prefix is enough), otherwise a new conversation starts. A session with
branches goes on from its current branch (the one last on screen): the new exchange is saved
below that branch's last message. The turn is written
through a `SessionRecorder` (the user's message is committed before the request goes out) unless
`--no-save`. A reopened session keeps its model and system prompt unless `--model` / `--system`
are given on the command line (the environment and the config file do not override them).

Nothing here raises for a store problem once the conversation is chosen: write failures become
warnings, the turn still runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import Event
from tui_chat.store import SessionRecorder, SessionStore, StoreError

COMMAND_LINE = "command line"  # Settings.sources value for a flag
NEEDS_SESSION = "--message MSG needs --session ID, the session the message is in"


class SessionUnavailable(Exception):
    """The session asked for cannot be used (none to continue, unknown or ambiguous id)."""


@dataclass
class AskSession:
    conversation: Conversation
    settings: Settings  # with the session's model when it keeps its own
    warn: Callable[[str], None]
    store: SessionStore | None = None
    recorder: SessionRecorder | None = None

    @property
    def saved_id(self) -> str | None:
        """The id the turn is saved under, None with --no-save (or no usable store)."""
        if self.recorder is None or self.recorder.store.is_temporary:
            return None
        return self.conversation.id

    async def record_user_message(self, message: Message) -> None:
        """Commit the user's message before the request goes out."""
        if self.recorder is None:
            return
        try:
            await asyncio.wrap_future(self.recorder.record_user_message(message))
        except StoreError as exc:
            self.warn(f"could not save the session: {exc}")

    def handle(self, event: Event) -> None:
        if self.recorder is not None:
            self.recorder.handle(event)

    def close(self) -> bool:
        """Commit the final state and close the store. True when the session is saved."""
        saved = False
        try:
            if self.recorder is not None:
                saved = self.saved_id is not None
                self.recorder.close()
                saved = saved and self.recorder.error is None
        except StoreError as exc:
            self.warn(f"could not save the session: {exc}")
        finally:
            self.recorder = None
            if self.store is not None:
                self.store.close()
                self.store = None
        return saved


def open_session(
    settings: Settings,
    *,
    continue_last: bool = False,
    session_id: str | None = None,
    message_id: str | None = None,
    save: bool = True,
    warn: Callable[[str], None],
) -> AskSession:
    """The conversation to run the turn in, with its recorder. Raises SessionUnavailable."""
    if message_id is not None and session_id is None:
        raise SessionUnavailable(NEEDS_SESSION)
    wants_saved = continue_last or session_id is not None
    if not save and not wants_saved:
        return AskSession(_fresh(settings), settings, warn)  # --no-save: never touch the store
    try:
        store = SessionStore.open()
    except StoreError as exc:
        if wants_saved:
            raise SessionUnavailable(str(exc)) from exc
        warn(f"{exc}; this conversation will not be saved")
        return AskSession(_fresh(settings), settings, warn)
    if store.warning:
        warn(store.warning)
    try:
        conversation, settings = choose_conversation(
            store, settings, continue_last=continue_last, session_id=session_id, message_id=message_id
        )
    except BaseException:
        store.close()
        raise
    if not save:
        store.close()
        return AskSession(conversation, settings, warn)
    recorder = SessionRecorder(store, conversation, provider=settings.provider)
    if conversation.messages and conversation.messages[-1].role == "system":
        recorder.sync()  # --system changed a continued session's prompt: save where it changed
    return AskSession(conversation, settings, warn, store, recorder)


def _fresh(settings: Settings) -> Conversation:
    return Conversation(
        system_prompt=settings.system_prompt, model=settings.model or None, endpoint=settings.endpoint
    )


def choose_conversation(
    store: SessionStore,
    settings: Settings,
    *,
    continue_last: bool = False,
    session_id: str | None = None,
    message_id: str | None = None,
) -> tuple[Conversation, Settings]:
    """The saved conversation `--continue` / `--session ID` ask for (a new one for neither), and
    the settings to go on with it. `message_id` (`--message`, with `--session`): the branch
    holding that message, saved as the one the session shows, as opening a search hit in the
    app's browser does. Blocking. Raises SessionUnavailable."""
    if message_id is not None and session_id is None:
        raise SessionUnavailable(NEEDS_SESSION)
    if session_id is None and not continue_last:
        return _fresh(settings), settings
    try:
        if session_id is None:
            session_id = store.most_recent_id()
            if session_id is None:
                raise SessionUnavailable("no saved session to continue yet: start one without --continue")
        if message_id is not None:
            session_id = store.resolve_id(session_id)
            message_id = store.resolve_message_id(session_id, message_id)
            conversation = store.load_branch(session_id, message_id)
        else:
            conversation = store.load(session_id)
    except StoreError as exc:
        raise SessionUnavailable(f"{exc} (`tui-chat sessions` lists them)") from exc
    return conversation, keep_session_settings(conversation, settings)


def _session_endpoint(conversation: Conversation, settings: Settings) -> Settings:
    from tui_chat.config.endpoints import DEFAULT_ENDPOINT, with_endpoint

    saved = conversation.endpoint  # None: saved before endpoints, no opinion
    if saved is None or settings.sources.get("endpoint") == COMMAND_LINE or saved == settings.endpoint:
        conversation.endpoint = settings.endpoint
        return settings
    if saved != DEFAULT_ENDPOINT and saved not in settings.endpoints:
        settings.warnings.append(
            f"this session used the endpoint {saved!r}, which is not configured any more: "
            f"going on with {settings.endpoint!r}"
        )
        conversation.endpoint = settings.endpoint
        return settings
    flags = {k: getattr(settings, k) for k, v in settings.sources.items() if v == COMMAND_LINE}
    return with_endpoint(settings, saved, flags=flags)


def keep_session_settings(conversation: Conversation, settings: Settings) -> Settings:
    """A reopened session goes on with its endpoint, model and system prompt; flags override
    them. A session whose endpoint is no longer configured goes on with the current one."""
    settings = _session_endpoint(conversation, settings)
    if settings.sources.get("model") != COMMAND_LINE and conversation.model:
        settings = dataclasses.replace(settings, model=conversation.model)
    else:
        conversation.model = settings.model or None  # empty: none chosen yet (the engine asks)
    if settings.sources.get("system_prompt") == COMMAND_LINE:
        conversation.change_system_prompt(settings.system_prompt)  # mid-session: from here on
    return settings
