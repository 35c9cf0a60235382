"""Dispatch policy (R6-R8): the catalogue of duties and time limits, duty rosters."""
