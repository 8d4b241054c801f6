"""XML parsing through defusedxml (no entity expansion, no DTD fetches) that keeps line numbers.

ElementTree drops source lines, and probes need ``path:line`` locators, so a SAX handler builds
a small tree of :class:`XmlNode` instead.
"""

from __future__ import annotations

import xml.sax
import xml.sax.handler
from collections.abc import Iterator
from dataclasses import dataclass, field

import defusedxml.sax
from defusedxml import DefusedXmlException


class XmlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class XmlNode:
    """An element: local tag name (namespace prefix removed), attributes, text and children."""

    tag: str
    attrib: dict[str, str]
    line: int
    text: str = ""
    children: list[XmlNode] = field(default_factory=list)

    def iter(self, tag: str | None = None) -> Iterator[XmlNode]:
        """This element and its descendants, depth first, optionally only those named ``tag``."""
        stack = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed(node.children))

    def child(self, tag: str) -> XmlNode | None:
        return next((c for c in self.children if c.tag == tag), None)

    def child_text(self, tag: str) -> str:
        found = self.child(tag)
        return found.text.strip() if found is not None else ""

    def get(self, name: str, default: str = "") -> str:
        """An attribute, matched case-insensitively (MSBuild does not care about case)."""
        if name in self.attrib:
            return self.attrib[name]
        lowered = name.lower()
        return next((v for k, v in self.attrib.items() if k.lower() == lowered), default)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _TreeBuilder(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: XmlNode | None = None
        self._stack: list[XmlNode] = []
        self._text: list[list[str]] = []
        self._locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:  # noqa: N802
        self._locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:  # noqa: N802
        line = (self._locator.getLineNumber() or 0) if self._locator else 0
        node = XmlNode(_local(name), {_local(k): v for k, v in attrs.items()}, line)
        if self._stack:
            self._stack[-1].children.append(node)
        else:
            self.root = node
        self._stack.append(node)
        self._text.append([])

    def endElement(self, name: str) -> None:  # noqa: N802
        node = self._stack.pop()
        node.text = "".join(self._text.pop())

    def characters(self, content: str) -> None:
        if self._text:
            self._text[-1].append(content)


def parse(data: bytes) -> XmlNode:
    """Parse an XML document. Raises :class:`XmlError` with the line of the fault."""
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, builder)
    except xml.sax.SAXParseException as error:
        raise XmlError(f"malformed XML: {error.getMessage()}", error.getLineNumber()) from None
    except DefusedXmlException as error:
        raise XmlError(f"refused XML: {error}") from None
    except (xml.sax.SAXException, ValueError) as error:
        raise XmlError(f"malformed XML: {error}") from None
    if builder.root is None:
        raise XmlError("malformed XML: no root element")
    return builder.root
