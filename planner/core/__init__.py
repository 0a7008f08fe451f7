"""The shared core: places, travel matrices, plan views, hours, working time, errors, tables.

Imports nothing else of ours; maps and every plan kind build on it."""
