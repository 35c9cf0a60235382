"""Seat presence (就绪 / 示忙 / 话后处理 / 签出), automatic call distribution and the
wallboard's figures (issue 16). Other packages import ``models`` (the vocabulary) and
the API side through ``wiring``."""
