"""Report layer: results + figures -> HTML / Markdown / JSON; templates are files."""

from surveykit.report.render import messages, render_html, render_markdown, write_report

__all__ = ["messages", "render_html", "render_markdown", "write_report"]
