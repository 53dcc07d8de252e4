"""cartel: publish a curated resource platform from a folder of Obsidian notes."""

__version__ = "0.1.0"
