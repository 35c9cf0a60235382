"""Agent desktop: the call takers' console, the unit portal and the big screen.

The spine ships a minimal console (login, live work queue, take next, record a
contact on a citizen's behalf); the desktop issue builds the full one. Other
packages import only :func:`agent_desktop.api.mount`.
"""
