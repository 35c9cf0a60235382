"""IVR menus as stacked state machines (telephony and closing-the-loop issues); not built yet."""
