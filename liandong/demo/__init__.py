"""Demo data for `make run` and `liandong demo`: accounts, channel credentials and a
year of history, on top of the org map's Qianxi demo city (core.orgmap.demo)."""
