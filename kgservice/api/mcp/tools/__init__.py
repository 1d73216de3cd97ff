"""MCP tools, one module per domain; each exports ``TOOLS``."""
