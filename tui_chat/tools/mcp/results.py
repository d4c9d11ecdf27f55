"""An MCP tool result as the text the model reads: text joined, structured content as JSON,
images, audio and resources summarised (type, size, URI), nothing silently dropped."""

from __future__ import annotations

import json
from typing import Any

from mcp_types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)


def result_text(result: CallToolResult) -> str:
    """Everything in the result, in order. The caller decides what `is_error` means."""
    parts = [_block_text(block) for block in result.content]
    structured = result.structured_content
    if structured is not None and not _already_there(structured, parts):
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    if not parts:
        return "(the tool returned no content)"
    return "\n".join(parts)


def _block_text(block: Any) -> str:
    if isinstance(block, TextContent):
        return block.text
    if isinstance(block, ImageContent | AudioContent):
        kind = "image" if isinstance(block, ImageContent) else "audio"
        return f"[{kind}: {block.mime_type}, {_base64_size(block.data)} bytes]"
    if isinstance(block, ResourceLink):
        size = f", {block.size} bytes" if block.size is not None else ""
        mime = f", {block.mime_type}" if block.mime_type else ""
        return f"[resource link: {block.uri}{mime}{size}]"
    if isinstance(block, EmbeddedResource):
        return _resource_text(block.resource)
    return f"[{getattr(block, 'type', type(block).__name__)} content]"


def _resource_text(resource: TextResourceContents | BlobResourceContents) -> str:
    mime = f", {resource.mime_type}" if resource.mime_type else ""
    if isinstance(resource, TextResourceContents):
        return f"[resource: {resource.uri}{mime}]\n{resource.text}"
    return f"[resource: {resource.uri}{mime}, {_base64_size(resource.blob)} bytes of binary data]"


def _base64_size(data: str) -> int:
    """Decoded size of base64 text, without decoding it."""
    stripped = data.strip()
    return max(0, len(stripped) * 3 // 4 - stripped[-2:].count("="))


def _already_there(structured: Any, parts: list[str]) -> bool:
    # Servers usually send the structured value as text too (SDK servers wrap a plain return
    # value as {"result": value}); say it once.
    if isinstance(structured, dict) and list(structured) == ["result"]:
        if "\n".join(parts) == structured["result"]:
            return True
        structured = structured["result"]
    for part in parts:
        try:
            if json.loads(part) == structured:
                return True
        except ValueError:
            continue
    return False
