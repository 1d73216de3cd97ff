"""MCP access for coding agents: the memory's tools, resources and prompt.

- :mod:`.server` builds the SDK server; :mod:`.stdio` and :mod:`.http` are its transports
  (``kgservice mcp``, and ``/mcp`` in the app).
- :mod:`.registry` lists the tool modules of :mod:`.tools`, one per domain; :mod:`.tooling`
  says what a tool is, :mod:`.outcomes` how results and errors look, :mod:`.results` how
  records become JSON.
- :mod:`.resources` and :mod:`.prompts`: the resources and the prompt.
"""
