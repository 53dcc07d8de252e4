"""`cartel serve`: a live preview kept in memory, rebuilt incrementally, reloaded in the browser.

live.py keeps the site and updates it file by file; app.py serves it (Starlette)
with the reload channel and the editor's overlay; watch.py turns file events
into rebuilds and quiet periods into a new search index; server.py starts and
stops the whole; command.py holds the `serve` and `clean` commands.
"""
