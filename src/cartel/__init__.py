"""cartel: publish a curated resource platform from a folder of Obsidian notes."""

__version__ = "0.1.0"

# The collector's thresholds while cartel works: a build allocates hundreds of thousands of small, long-lived
# objects and makes no cycles worth chasing, and the default thresholds (700, 10, 10) cost about 20 % of a
# large build (bench/RESULTS.md). Set by the command (cartel.cli), its parse helper, and any build or check
# run from Python (cartel.build.LongLivedHeap).
COLLECTOR_THRESHOLDS = (100_000, 50, 1000)
