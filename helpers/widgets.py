"""Small interactive panels for notebooks: invoke a function, browse its logs.

Each panel updates its own widgets (never prints inside an Output), and exposes the action
as a method too (``panel.invoke()``, ``viewer.refresh()``), so a cell can drive it.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as w

from . import functions, logs


def _pre(text: str) -> str:
    return f"<pre style='white-space: pre-wrap; margin: 0'>{html.escape(text)}</pre>"


class InvokePanel:
    """Edit a JSON payload, invoke the function, see the response and the log tail."""

    def __init__(self, aws: Any, function_name: str, payload: Any = None):
        self.aws, self.function_name = aws, function_name
        self.payload = w.Textarea(
            value=json.dumps(payload if payload is not None else {}, indent=2),
            description="Payload", layout=w.Layout(width="100%", height="120px"),
        )  # fmt: skip
        self.button = w.Button(description=f"Invoke {function_name}", button_style="primary")
        self.response = w.HTML(value="<i>Press the button to invoke.</i>")
        self.log_tail = w.HTML(value="")
        self.last: functions.Invocation | None = None
        self.button.on_click(lambda _: self.invoke())
        self.widget = w.VBox([self.payload, self.button, w.Label("Response"), self.response,
                              w.Label("Log tail"), self.log_tail])  # fmt: skip

    def invoke(self) -> functions.Invocation | None:
        try:
            event = json.loads(self.payload.value or "{}")
        except ValueError as error:
            self.response.value = _pre(f"The payload is not valid JSON: {error}")
            return None
        self.last = functions.invoke(self.aws, self.function_name, event)
        status = f"StatusCode {self.last.status_code}"
        if self.last.function_error:
            status += f", FunctionError: {self.last.function_error}"
        self.response.value = _pre(f"{status}\n{json.dumps(self.last.payload, indent=2)}")
        self.log_tail.value = _pre(self.last.log_tail)
        return self.last

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class LogViewer:
    """Pick a log stream of a group, filter with a CloudWatch filter pattern, read the events."""

    def __init__(self, aws: Any, group: str):
        self.aws, self.group = aws, group
        self.stream = w.Dropdown(description="Stream", options=[("all streams", "")])
        self.pattern = w.Text(description="Filter", placeholder='e.g. ERROR or "cold start"')
        self.button = w.Button(description="Refresh")
        self.events = w.HTML()
        self.button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([w.HBox([self.stream, self.pattern, self.button]), self.events])
        self.refresh()

    def refresh(self) -> list[str]:
        names = [s["logStreamName"] for s in logs.streams(self.aws, self.group)]
        chosen = self.stream.value if self.stream.value in names else ""
        self.stream.options = [("all streams", "")] + [(name, name) for name in names]
        self.stream.value = chosen
        found = logs.events(self.aws, self.group, pattern=self.pattern.value.strip())
        if chosen:
            found = [event for event in found if event["logStreamName"] == chosen]
        lines = [event["message"].rstrip("\n") for event in found]
        self.events.value = _pre("\n".join(lines[-200:]) or "(no events)")
        return lines

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
