"""Benchmarks of ordipret, run by one command: `python -m bench [NAME …]`.

Each benchmark measures against a baseline taken in the same run (for example the bare JSON
route of the same server), so that its ratios compare across machines. See
`bench/registry.py` to add one.
"""
