"""The full-screen chat app: status bar, chat log, prompt, tool sidebar, footer.

The app is the `ChatHost` of a `ChatController` (tui_chat/engine/controller.py), which holds the
conversation, runs turns and emits every change as one stream of `ChatEvent`s. The app turns
user actions into controller calls; the log (`ChatLog.queue_event`, rendered in the log's own
task), the sidebar, the status bar and the session saver each subscribe to that stream. The
app itself only follows a turn's start and close (busy state, the queued message).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tui_chat.config import ConfigError, Settings, ToolPolicy
from tui_chat.engine.controller import ChatController
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import ChatEvent, TurnClosed, TurnFailed, TurnStarted
from tui_chat.engine.factory import build_engine
from tui_chat.tools.registry import ToolRegistry
from tui_chat.ui.bindings import APP_BINDINGS, LOG_BINDINGS, PROMPT_BINDINGS
from tui_chat.ui.gc_policy import GcPolicy
from tui_chat.ui.keymap import apply_keys
from tui_chat.ui.mcp_link import McpLink
from tui_chat.ui.palette import PALETTE_COMMANDS
from tui_chat.ui.theme_commands import open_theme_picker
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import complete_builtin_themes, setup_themes
from tui_chat.ui.welcome import welcome_text
from tui_chat.ui.widgets.chat_footer import ChatFooter
from tui_chat.ui.widgets.chat_log import ChatLog
from tui_chat.ui.widgets.mcp_servers_panel import servers_summary
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.queued_message import QueuedMessage
from tui_chat.ui.widgets.reply_body import ReplyBody
from tui_chat.ui.widgets.status_bar import StatusBar, describe_endpoint
from tui_chat.ui.widgets.text import code_blocks
from tui_chat.ui.widgets.too_small import is_too_small, mark_too_small
from tui_chat.ui.widgets.tool_sidebar import ToolSidebar

if TYPE_CHECKING:
    from tui_chat.store import SessionStore
    from tui_chat.ui.screens.settings import SettingsChanges
    from tui_chat.ui.session_saver import SessionSaver

SIDEBAR_MIN_WIDTH = 100
"""Below this many columns the sidebar hides itself (unless toggled on)."""


def _preload(controller: ChatController) -> None:
    with contextlib.suppress(Exception):  # whatever fails here fails again, visibly, on first use
        controller.prepare()
        import jsonschema  # noqa: F401  (the first tool call validates its arguments with it)


class ChatApp(App[None]):
    TITLE = "tui-chat"
    CSS_PATH = "app.tcss"
    BINDINGS = APP_BINDINGS
    AUTO_FOCUS = "#prompt"
    PAUSE_GC_ON_SCROLL = True

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: Any = None,
        registry: ToolRegistry | None = None,
        problems: Sequence[str] = (),
        conversation: Conversation | None = None,
        freeze_gc: bool = True,
        store: SessionStore | None = None,
        save_sessions: bool = True,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        # Sessions: the store to save to (None: the default one, opened at start-up in a thread).
        self._store = store
        self._save_sessions = save_sessions
        self.sessions: SessionSaver | None = None
        self.problems = list(problems)
        # Themes: --theme (`theme`, UnknownThemeError if unknown) > config file > default. The
        # config file's [keys] table remaps bindings. Broken files and keys become problems.
        self.problems += setup_themes(self, requested=theme, configured=self.settings.theme)
        self.problems += apply_keys(
            self, self.settings.keys, {"app": APP_BINDINGS, "prompt": PROMPT_BINDINGS, "log": LOG_BINDINGS}
        )
        self.gc_policy = GcPolicy(freeze_gc)
        self._sidebar_choice: bool | None = None  # None: automatic by width
        self._last_failure: str | None = None  # the kind of error the last turn ended with
        setup = build_engine(
            self.settings,
            client=client,
            registry=registry,
            model=conversation.model if conversation else None,
        )
        self.problems += setup.problems
        self.registry = setup.registry
        # MCP servers connect in the background once the app is up (see on_mount).
        self.mcp = McpLink(self.settings, self.registry, on_change=self._mcp_changed, warn=self._warn)
        if conversation is None:
            model = setup.engine.options.model if setup.engine is not None else self.settings.model
            conversation = Conversation(system_prompt=self.settings.system_prompt, model=model)
        self.controller = ChatController(self, setup.engine, conversation, not_ready=setup.not_ready)

    # --- layout ---------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield ChatLog(id="log")
                yield QueuedMessage(id="queued")
                yield PromptInput(id="prompt")
            yield ToolSidebar(id="sidebar")
        yield ChatFooter(id="footer")

    @property
    def chat_log(self) -> ChatLog:
        return self.query_one("#log", ChatLog)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one("#prompt", PromptInput)

    @property
    def queued(self) -> QueuedMessage:
        return self.query_one("#queued", QueuedMessage)

    @property
    def sidebar(self) -> ToolSidebar:
        return self.query_one("#sidebar", ToolSidebar)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def conversation(self) -> Conversation:
        return self.controller.conversation

    @property
    def client(self) -> Any:
        """The SDK client (made on first use); None when not configured."""
        return self.controller.client

    async def on_mount(self) -> None:
        status = self.status_bar
        status.model = self.current_model
        status.endpoint = describe_endpoint(
            self.settings.provider, self.settings.base_url, self.settings.azure_endpoint
        )
        status.tools = (
            len(self.registry.openai_tools()) if self.registry and self.settings.tools_enabled else 0
        )
        if self.controller.not_ready:
            status.state = "not configured"
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self._show_too_small(*self.size)
        log = self.chat_log
        log.welcome = welcome_text(self.settings, self.controller.not_ready)
        # Everything that changes the conversation reaches these through one stream.
        for listener in (log.queue_event, self.sidebar.handle_event, status.handle_event, self._chat_event):
            self.controller.subscribe(listener)
        self.controller.open(self.conversation)
        await log.drain()
        if self._save_sessions and self._store is None:
            # The default store checks its whole file on opening (a fifth of a second with a
            # long history): it opens in a thread while the first screen is up.
            self.run_worker(self._start_sessions(), name="sessions", group="sessions")
        elif self._save_sessions:
            await self._start_sessions()
        for problem in [*self.settings.warnings, *self.problems]:
            self.notify(problem, severity="warning", timeout=10)
        self._update_sidebar()
        self.sidebar.server_of = self.mcp.server_of
        if self.mcp.wanted:
            self.call_after_refresh(self.run_worker, self.mcp.start(), name="mcp", exit_on_error=False)
        self.call_after_refresh(self._after_first_frame)
        # Everything built at start-up lives as long as the app: keep it out of GC scans.
        self.call_after_refresh(self.gc_policy.freeze_startup)

    async def _start_sessions(self) -> None:
        from tui_chat.ui.session_saver import SessionSaver

        self.sessions = await SessionSaver.start(
            self.controller, self._store, provider=self.settings.provider, warn=self._warn
        )
        if self.sessions is not None and self.conversation.messages:
            self.sessions.recorder.sync()  # sent before the store was open: saved now

    def _after_first_frame(self) -> None:
        """What the first screen does not need, once it is up: the other built-in themes, and
        (in a thread) the SDK, its client and jsonschema, so the first request waits for none."""
        complete_builtin_themes(self)
        threading.Thread(target=_preload, args=(self.controller,), name="preload", daemon=True).start()

    def freeze_long_lived(self) -> None:
        self.gc_policy.freeze_long_lived()

    def collect_all(self) -> None:
        self.gc_policy.collect_all()

    def on_reply_body_blocks_sealed(self, _: ReplyBody.BlocksSealed) -> None:
        self.freeze_long_lived()

    def _warn(self, message: str) -> None:
        self.notify(message, severity="warning", timeout=10)

    def _mcp_changed(self) -> None:
        """A server's state changed: show it; its tools came or went."""
        statuses = self.mcp.statuses()
        self.sidebar.servers.show(statuses)
        self.status_bar.mcp = servers_summary(statuses)
        self.status_bar.mcp_failed = any(s.state == "failed" for s in statuses)
        if self.registry is not None and self.settings.tools_enabled:
            self.status_bar.tools = len(self.registry.openai_tools())

    async def on_unmount(self) -> None:
        await self.mcp.close()  # every session closed, no child process left
        if self.sessions is not None:
            await self.sessions.close()  # the final state of the conversation, then the store
        # The HTTP connection pool, while the event loop still runs; never blocks exiting.
        await self.controller.close()

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: `self.size` may still be the previous one while this runs.
        self._update_sidebar(event.size.width)
        self._show_too_small(event.size.width, event.size.height)

    def _show_too_small(self, width: int, height: int) -> None:
        too_small = is_too_small(width, height)
        for screen in self.screen_stack:
            mark_too_small(screen, too_small)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        # A dialog opened while the window is too small gets the notice too.
        mark_too_small(screen, is_too_small(*self.size))

    def _update_sidebar(self, width: int | None = None) -> None:
        visible = self._sidebar_choice
        if visible is None:
            visible = (self.size.width if width is None else width) >= SIDEBAR_MIN_WIDTH
        self.sidebar.display = visible

    @property
    def current_model(self) -> str:
        return self.controller.model or self.settings.model

    # --- ChatHost: what the controller calls -----------------------------------------------------

    def run_turn(self, work: Coroutine[Any, Any, None]) -> Worker[None]:
        return self.run_worker(work, name="turn", group="turn", exclusive=True, exit_on_error=False)

    def _chat_event(self, event: ChatEvent) -> None:
        """The app's own part of the stream: a turn's start and close."""
        match event:
            case TurnStarted():
                self._last_failure = None
                self.prompt.set_busy(True)
                self.refresh_bindings()
            case TurnFailed(kind=kind):
                self._last_failure = kind
            case TurnClosed():
                self.prompt.set_busy(False)
                self.refresh_bindings()
                self.call_after_refresh(self.freeze_long_lived)
                if self.queued.text:
                    self.call_later(self._send_queued)  # once this turn's worker has wound down
            case _:
                pass  # the widgets and the session saver follow the rest

    def _send_queued(self) -> None:
        if self.controller.busy or not self.queued.text:
            return
        if self._last_failure is not None:
            # The reply failed: sending on would bury the error. Back to the prompt, unsent.
            self._unqueue()
            self.notify("Not sent, the reply failed: your queued message is back in the prompt.", timeout=5)
            return
        self.send(self.queued.take())

    def _unqueue(self, text: str | None = None) -> None:
        """The queued message (or `text`, taken earlier) back into the prompt, before whatever
        is typed there."""
        text = self.queued.take() if text is None else text
        if text:
            prompt = self.prompt
            prompt.text = f"{text}\n{prompt.text}" if prompt.text else text
            prompt.move_cursor(prompt.document.end)

    async def confirm_tool(self, call: ToolCall) -> bool:
        from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

        self.status_bar.state = "confirm"
        spec = self.registry.get(call.name) if self.registry is not None else None
        # The user decides better knowing what the tool does, in its own words.
        screen = ConfirmToolScreen(
            call, description=spec.description if spec else None, server=spec.server if spec else None
        )
        try:
            answer = await self.push_screen_wait(screen)
        except asyncio.CancelledError:
            # Stopped while asking: take the question away; the engine refuses the call.
            if self.screen is screen:
                screen.dismiss("deny")
            raise
        finally:
            self.status_bar.state = "streaming"
        if answer == "always":
            self.set_tool_policy(call.name, "always")
        return answer in ("once", "always")

    def set_tool_policy(self, name: str, policy: ToolPolicy) -> None:
        """Change a tool's policy now and in the config file."""
        if self.registry is not None and self.registry.get(name) is not None:
            self.registry.set_policy(name, policy)
        try:
            from tui_chat.config import save_setting

            save_setting(("tools", "policies", name), policy)
        except (ConfigError, OSError, ValueError) as exc:
            self.notify(f"{name}: {policy} for this session only; not saved: {exc}", severity="warning")

    # --- sending --------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    def _submitted(self, event: PromptInput.Submitted) -> None:
        self.send(event.text)

    def send(self, text: str) -> bool:
        """Send `text` as the user (what Enter does). While a reply streams it is queued and
        sent when the turn ends; a second one joins the first."""
        if not text.strip():
            return False
        controller = self.controller
        if controller.busy:
            if controller.editing is not None or not controller.ready:
                return False
            queued = self.queued.text
            self.queued.show(f"{queued}\n\n{text}" if queued else text)
            self.prompt.clear()
            return True
        editing = controller.editing
        if controller.send(text) is None:
            return False  # not configured: the log shows why (SendRefused)
        if editing is not None:
            self._show_editing(False)
        self.prompt.clear()
        return True

    def _show_editing(self, editing: bool) -> None:
        prompt = self.prompt
        prompt.set_class(editing, "-editing")
        prompt.border_title = "Editing your last message: enter resends it, esc cancels" if editing else None
        for marked in self.query(".message.-editing"):
            marked.remove_class("-editing")
        if editing and self.controller.editing is not None:
            view = self.chat_log.view_of(self.controller.editing.id)
            if view is not None:
                view.add_class("-editing")
        self.refresh_bindings()

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        controller = self.controller
        busy = controller.busy
        if action == "stop":
            return busy
        if action == "cancel_edit":
            return not busy and controller.editing is not None
        if action == "focus_log":
            return not busy and controller.editing is None and self.focused is not self.chat_log
        if action == "leave_log":
            return not busy
        if action == "regenerate":
            return True if controller.can_regenerate() else None
        if action in ("edit_last", "edit_message"):
            return True if not busy and self.conversation.last("user") is not None else None
        if action == "copy_reply":
            return True if self._last_reply() is not None else None
        return True

    def action_stop(self) -> None:
        if self.controller.stop():
            self.status_bar.state = "stopping"

    def action_cancel_edit(self) -> None:
        self.controller.cancel_edit()
        self.prompt.clear()
        self._show_editing(False)

    def action_focus_log(self) -> None:
        self.chat_log.focus()

    def action_leave_log(self) -> None:
        self.prompt.focus()

    def action_browse_log(self) -> None:
        """The log gets the keys; a streaming reply goes on (and the view keeps following)."""
        self.chat_log.focus()

    def action_scroll_log_up(self) -> None:
        self.chat_log.focus()
        self.chat_log.action_page_up()

    def action_focus_prompt(self) -> None:
        self.prompt.focus()

    def action_regenerate(self) -> None:
        if self.controller.busy:
            self.notify("A reply is streaming: press esc to stop it first.", timeout=3)
            return
        user = self.conversation.last("user")
        if user is None:
            self.notify("Nothing to regenerate yet.", timeout=3)
            return
        if self.controller.ready and self.controller.editing is not None:
            self.action_cancel_edit()
        self.controller.regenerate()  # the log and the sidebar follow its MessagesRemoved

    def action_edit_last(self) -> None:
        text = self.controller.start_edit()
        if text is None:
            if self.controller.busy:
                self.notify("A reply is streaming: press esc to stop it first.", timeout=3)
            return
        prompt = self.prompt
        prompt.text = text
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self._show_editing(True)

    def action_edit_message(self) -> None:
        self.action_edit_last()

    @on(PromptInput.RecallRequested)
    def _recall(self) -> None:
        if self.queued.text:
            self._unqueue()  # take the queued message back (to edit, or to delete)
        elif self.controller.busy:
            self.prompt.action_cursor_up()
        else:
            self.action_edit_last()

    def _last_reply(self) -> Message | None:
        for message in reversed(self.conversation.messages):
            if message.role == "assistant" and message.content:
                return message
        return None

    def action_copy_reply(self) -> None:
        reply = self._last_reply()
        if reply is None:
            self.notify("No reply to copy yet.", timeout=3)
            return
        self.copy_to_clipboard(reply.content or "")
        self.notify(f"Copied the last reply ({len(reply.content or '')} characters)", timeout=2)

    def action_copy_code(self) -> None:
        """Copy the last code block of the last reply (in the log: the focused message's)."""
        reply = self._last_reply()
        blocks = code_blocks(reply.content or "") if reply is not None else []
        if not blocks:
            self.notify("No code block in the last reply.", timeout=3)
            return
        language, code = blocks[-1]
        self.copy_to_clipboard(code)
        self.notify(f"Copied a code block{f' ({language})' if language else ''}", timeout=2)

    async def action_new_chat(self) -> None:
        await self._fresh(system_prompt=self.settings.system_prompt)

    async def action_clear(self) -> None:
        await self._fresh(system_prompt=self.conversation.system_prompt)

    async def _fresh(self, *, system_prompt: str | None) -> None:
        held = self.queued.take()  # first: the stopped turn must not send it
        if self.controller.busy:
            self.controller.stop()
            await self._wait_for_turn()
        self._show_editing(False)
        self.prompt.clear()
        self._unqueue(held)  # never lost: a queued message waits in the prompt of the new chat
        self.controller.fresh_conversation(system_prompt=system_prompt, model=self.current_model)
        await self.chat_log.drain()
        self.prompt.focus()
        self.call_after_refresh(self.collect_all)

    async def _wait_for_turn(self) -> None:
        # A stopped turn's worker ends cancelled: that is the expected outcome, not an error.
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await self.workers.wait_for_complete()

    async def load_conversation(self, conversation: Conversation) -> None:
        """Open an existing conversation (the sessions screen calls this)."""
        held = self.queued.take()
        if self.controller.busy:
            self.controller.stop()
            await self._wait_for_turn()
        self._show_editing(False)
        self._unqueue(held)
        self.controller.open(conversation)
        await self.chat_log.drain()

    def action_sessions(self) -> None:
        from tui_chat.ui.session_saver import open_session_browser

        open_session_browser(self)

    def action_toggle_sidebar(self) -> None:
        self._sidebar_choice = not self.sidebar.display
        self._update_sidebar()

    def action_switch_model(self) -> None:
        from tui_chat.ui.screens.model_picker import ModelPickerScreen

        def chosen(model: str | None) -> None:
            if model:
                self.controller.set_model(model)
                self.notify(f"Model: {model}", timeout=2)

        self.push_screen(ModelPickerScreen(self.current_model, self._list_models), chosen)

    async def _list_models(self) -> list[str]:
        if self.client is None:
            return []
        from tui_chat.engine.providers import list_models

        return await list_models(self.client)

    def action_system_prompt(self) -> None:
        from tui_chat.ui.screens.system_prompt import SystemPromptResult, SystemPromptScreen

        def chosen(result: SystemPromptResult | None) -> None:
            if result is None:
                return
            self.controller.set_system_prompt(result.text)
            if result.make_default:
                try:
                    from tui_chat.config import save_setting

                    save_setting(("system_prompt",), result.text)
                    self.settings.system_prompt = result.text or None
                except (ConfigError, OSError, ValueError) as exc:
                    self.notify(f"Not saved as the default: {exc}", severity="warning")
            self.notify("System prompt updated" if result.text else "System prompt removed", timeout=2)

        self.push_screen(SystemPromptScreen(self.conversation.system_prompt or ""), chosen)

    def action_tool_policies(self) -> None:
        from tui_chat.ui.screens.tool_policies import ToolPoliciesScreen

        if self.registry is None or not self.registry.names():
            self.notify("No tools are loaded (tools are off, or none are configured).", timeout=4)
            return
        self.push_screen(ToolPoliciesScreen(self.registry, self.set_tool_policy))

    def action_mcp_servers(self) -> None:
        from tui_chat.ui.screens.mcp_servers import McpServersScreen

        self.push_screen(McpServersScreen(self.mcp))

    def search_themes(self) -> None:
        """The palette's theme list with live preview (Textual's own "Theme" command calls this)."""
        open_theme_picker(self)

    def action_settings(self) -> None:
        from tui_chat.ui.screens.settings import SettingsScreen, SettingsValues

        registry = self.registry
        controller = self.controller
        values = SettingsValues(
            model=self.current_model,
            system_prompt=self.settings.system_prompt,
            temperature=controller.temperature if controller.ready else self.settings.temperature,
            theme=self.theme,
            tool_policies={name: registry.policy(name) for name in registry.names()} if registry else {},
        )
        self.push_screen(SettingsScreen(values, on_apply=self._apply_settings))

    def _apply_settings(self, changes: SettingsChanges) -> None:
        """The settings screen has saved `changes` to the config file: use them now too."""
        after, changed = changes.after, changes.changed
        if "model" in changed:
            self.settings.model = after.model
            self.controller.set_model(after.model)
        if "system_prompt" in changed:
            self.settings.system_prompt = after.system_prompt
            self.controller.set_system_prompt(after.system_prompt)
        if "temperature" in changed:
            self.settings.temperature = after.temperature
            self.controller.set_temperature(after.temperature)
        if "theme" in changed:
            self.settings.theme = after.theme
        if self.registry is not None:
            for name, policy in changes.changed_policies.items():
                self.registry.set_policy(name, policy)
        self.notify("Settings saved", timeout=2)

    async def action_quit(self) -> None:
        self.controller.stop()
        self.exit()

    # --- command palette ------------------------------------------------------------------------

    def key_for(self, binding_id: str) -> str:
        """How the footer shows the key bound to `binding_id` now (after the keymap)."""
        return self._key_for(binding_id)

    def _key_for(self, binding_id: str) -> str:
        for binding in APP_BINDINGS:
            if isinstance(binding, Binding) and binding.id == binding_id:
                key = self._keymap.get(binding_id, binding.key) if hasattr(self, "_keymap") else binding.key
                return key.split(",")[0].strip()
        return ""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        def titled(title: str, binding_id: str | None = None) -> str:
            key = self._key_for(binding_id) if binding_id else ""
            return f"{title}  ({key})" if key else title

        for command in PALETTE_COMMANDS:
            callback = getattr(self, command.method)
            yield SystemCommand(titled(command.title, command.binding_id), command.help, callback)
        # Textual's own "Theme" is "Theme: change theme" above.
        yield from (command for command in super().get_system_commands(screen) if command.title != "Theme")

    def _copy_selected(self) -> None:
        self.chat_log.action_copy_message()
