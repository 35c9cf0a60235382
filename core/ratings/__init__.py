"""Ratings (R10): what citizens said of how their case was handled, per stage, and where
each rating came from (SMS, WeChat, app, the IVR survey, a staff follow-up call).

Channels record ratings with ``RatingService``; feedback runs the watcher, the reopen
rule, the survey and the sample; reports aggregate the rows of ``tables``."""
