"""The full-screen chat app: status bar, chat log, prompt, tool sidebar, footer.

The app is the `ChatHost` of a `ChatController` (engine/controller.py), which emits every change
to the conversation as one stream of `ChatEvent`s; the log, the sidebar, the status bar and the
session saver subscribe to it. The app turns user actions into controller calls."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.worker import Worker

from tui_chat.config import Settings, ToolPolicy
from tui_chat.engine.controller import ChatController
from tui_chat.engine.conversation import Conversation, ToolCall
from tui_chat.engine.events import ChatEvent, ResponseFinished, TurnClosed, TurnFailed, TurnStarted
from tui_chat.engine.factory import build_engine
from tui_chat.tools.registry import ToolRegistry
from tui_chat.ui import (
    app_settings,
    attach_flow,
    branch_flow,
    config_writes,
    context_flow,
    endpoint_switch,
    prompt_flow,
)
from tui_chat.ui.action_state import action_state
from tui_chat.ui.app_startup import after_first_frame, start_sessions, start_themes
from tui_chat.ui.bindings import APP_BINDINGS, LOG_BINDINGS, PROMPT_BINDINGS
from tui_chat.ui.clipboard import copy_code, copy_reply
from tui_chat.ui.compositor import ChatScreenApp
from tui_chat.ui.gc_policy import GcPolicy
from tui_chat.ui.keymap import apply_keys
from tui_chat.ui.mcp_link import McpLink, show_servers
from tui_chat.ui.palette import key_for, palette_commands
from tui_chat.ui.screens.attachment_viewer import AttachmentViewer
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.welcome import welcome_text
from tui_chat.ui.widgets.attachment_tray import AttachmentTray
from tui_chat.ui.widgets.chat_footer import ChatFooter
from tui_chat.ui.widgets.chat_log import ChatLog
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.queued_message import QueuedMessage
from tui_chat.ui.widgets.reply_body import ReplyBody
from tui_chat.ui.widgets.sent_attachments import SentAttachments
from tui_chat.ui.widgets.status_bar import StatusBar
from tui_chat.ui.widgets.too_small import is_too_small, mark_too_small
from tui_chat.ui.widgets.tool_sidebar import ToolSidebar

if TYPE_CHECKING:
    from tui_chat.store import SessionStore
    from tui_chat.ui.session_saver import SessionSaver

SIDEBAR_MIN_WIDTH = 100  # below this many columns the sidebar hides itself (unless toggled on)


class ChatApp(ChatScreenApp):  # the main screen's compositor renders only what an update repaints
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
        # Themes: --theme > config file > default (app_startup.py). The config file's [keys]
        # table remaps bindings. Broken files and keys become problems.
        theme_problems, self.theme_setup, self.first_parse = start_themes(self, theme)
        self.problems += theme_problems
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
        self.mcp = McpLink(self.settings, self.registry, on_change=self._mcp_changed, warn=self.warn)
        if conversation is None:
            model = setup.engine.options.model if setup.engine is not None else self.settings.model
            conversation = Conversation(
                system_prompt=self.settings.system_prompt, model=model, endpoint=self.settings.endpoint
            )
        self.controller = ChatController(self, setup.engine, conversation, not_ready=setup.not_ready)

    # --- layout ---------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def refresh_css(self, animate: bool = True) -> None:
        if not self.first_parse.redundant(self):
            super().refresh_css(animate)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield ChatLog(id="log")
                yield QueuedMessage(id="queued")
                yield AttachmentTray(id="attachments")
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
        app_settings.fill_status_bar(self)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        attach_flow.setup(self)
        self._show_too_small(*self.size)
        log = self.chat_log
        log.welcome = welcome_text(self.settings, self.controller.not_ready)
        # Everything that changes the conversation reaches these through one stream.
        for listener in (log.queue_event, self.sidebar.handle_event, status.handle_event, self._chat_event):
            self.controller.subscribe(listener)
        self.controller.open(self.conversation)
        await log.drain()
        if self._save_sessions and self._store is not None:
            await start_sessions(self, self._store)
        for problem in [*self.settings.warnings, *self.problems]:
            self.notify(problem, severity="warning", timeout=10)
        self._update_sidebar()
        self.sidebar.server_of = self.mcp.server_of
        if self.mcp.wanted:
            self.call_after_refresh(self.run_worker, self.mcp.start(), name="mcp", exit_on_error=False)
        # The SDK in a thread; the default store, which checks its whole file on opening (a fifth
        # of a second with a long history), in another (ui/app_startup.py).
        self.call_after_refresh(after_first_frame, self, self._save_sessions and self._store is None)

    def on_reply_body_blocks_sealed(self, _: ReplyBody.BlocksSealed) -> None:
        self.gc_policy.freeze_long_lived()

    def warn(self, message: str) -> None:
        self.notify(message, severity="warning", timeout=10)

    def _mcp_changed(self) -> None:
        """A server's state changed: show it; its tools came or went."""
        show_servers(self)

    async def on_unmount(self) -> None:
        await self.mcp.close()  # every session closed, no child process left
        await config_writes.flush()  # a theme or policy chosen just before quitting
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
            case ResponseFinished():
                endpoint_switch.show_adaptations(self)
            case TurnClosed():
                endpoint_switch.show_adaptations(self)  # a failure may have taught it one
                self.prompt.set_busy(False)
                self.refresh_bindings()
                self.call_after_refresh(self.gc_policy.freeze_long_lived)
                if self._last_failure == "context_length":
                    self.run_worker(context_flow.after_server_refused(self), group="context", exclusive=True)
                else:
                    context_flow.maybe_auto_compact(self)
                if self.queued.text:
                    self.call_later(self._send_queued)  # once this turn's worker has wound down
            case _:
                pass  # the widgets and the session saver follow the rest

    def _send_queued(self) -> None:
        prompt_flow.send_queued(self, failed=self._last_failure is not None)

    def _unqueue(self, text: str | None = None) -> None:
        prompt_flow.unqueue(self, text)

    async def confirm_tool(self, call: ToolCall) -> bool:
        return await app_settings.confirm_tool(self, call)

    def set_tool_policy(self, name: str, policy: ToolPolicy) -> None:
        """Change a tool's policy now and in the config file."""
        app_settings.set_tool_policy(self, name, policy)

    # --- sending --------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    def _submitted(self, event: PromptInput.Submitted) -> None:
        self.send(event.text)

    def send(self, text: str, *, checked: bool = False) -> bool:
        """Send `text` as the user (what Enter does). While a reply streams it is queued and
        sent when the turn ends; a second one joins the first. A message that would not fit
        the context opens a choice first (`checked`: the user chose to send it anyway)."""
        return prompt_flow.send(self, text, checked=checked)

    def _show_editing(self, editing: bool) -> None:
        prompt_flow.show_editing(self, editing)

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_state(self, action)

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

    # Versions, edits, regenerates and forks of any message: ui/branch_flow.py.

    def action_regenerate(self) -> None:
        branch_flow.regenerate(self)

    def action_edit_last(self) -> None:
        prompt_flow.edit_last(self)

    def action_edit_message(self) -> None:
        branch_flow.edit_message(self)

    def action_regenerate_message(self) -> None:
        branch_flow.regenerate_message(self)

    def action_prev_version(self) -> None:
        branch_flow.step_version(self, -1)

    def action_next_version(self) -> None:
        branch_flow.step_version(self, +1)

    def action_branch_step(self, message_id: str, direction: str) -> None:
        """A click on an arrow ("prev" / "next") of a `‹ 2/3 ›` marker."""
        branch_flow.branch_step(self, message_id, direction)

    def action_fork_here(self) -> None:
        branch_flow.fork_here(self)

    def show_message(self, message_id: str) -> None:
        """Show the branch of the open conversation that holds `message_id` (a search hit)."""
        branch_flow.show_message(self, message_id)

    @on(PromptInput.RecallRequested)
    def _recall(self) -> None:
        if self.queued.text:
            self._unqueue()  # take the queued message back (to edit, or to delete)
        elif self.controller.busy:
            self.prompt.action_cursor_up()
        else:
            self.action_edit_last()

    def action_copy_reply(self) -> None:
        copy_reply(self)

    def action_copy_code(self) -> None:
        """Copy the last code block of the last reply (in the log: the focused message's)."""
        copy_code(self)

    def action_compact(self) -> None:
        self.run_worker(context_flow.compact(self), group="context", exclusive=True)

    async def action_new_chat(self) -> None:
        await self._fresh(system_prompt=self.settings.system_prompt)

    async def action_clear(self) -> None:
        await self._fresh(system_prompt=self.conversation.current_system_prompt)

    async def _fresh(self, *, system_prompt: str | None) -> None:
        await prompt_flow.open_conversation(self, None, system_prompt=system_prompt)
        self.prompt.focus()
        self.call_after_refresh(self.gc_policy.collect_all)

    async def load_conversation(self, conversation: Conversation) -> None:
        """Open an existing conversation (the sessions screen calls this), on its endpoint."""
        await endpoint_switch.open_on_its_endpoint(self, conversation)

    def action_sessions(self) -> None:
        from tui_chat.ui.session_saver import open_session_browser

        open_session_browser(self)

    def action_toggle_sidebar(self) -> None:
        self._sidebar_choice = not self.sidebar.display
        self._update_sidebar()

    def action_switch_model(self) -> None:
        app_settings.switch_model(self)

    def action_system_prompt(self) -> None:
        app_settings.edit_system_prompt(self)

    def action_tool_policies(self) -> None:
        app_settings.edit_tool_policies(self)

    def action_mcp_servers(self) -> None:
        app_settings.open_mcp_servers(self)

    def search_themes(self) -> None:
        """The palette's theme list with live preview (Textual's own "Theme" command calls this)."""
        from tui_chat.ui.theme_commands import open_theme_picker

        self.theme_setup.finish()
        open_theme_picker(self)

    def action_settings(self) -> None:
        app_settings.open_settings(self)

    async def action_quit(self) -> None:
        self.controller.stop()
        self.exit()

    def action_attach_file(self) -> None:
        attach_flow.open_picker(self)

    @on(SentAttachments.Opened)
    def _view_attachment(self, event: SentAttachments.Opened) -> None:
        self.push_screen(AttachmentViewer(event.attachment))

    # --- command palette ------------------------------------------------------------------------

    def key_for(self, binding_id: str) -> str:
        """How the footer shows the key bound to `binding_id` now (after the keymap)."""
        return key_for(self, binding_id)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from palette_commands(self)
        # Textual's own "Theme" is "Theme: change theme" in ours.
        yield from (command for command in super().get_system_commands(screen) if command.title != "Theme")

    def _copy_selected(self) -> None:
        self.chat_log.action_copy_message()
