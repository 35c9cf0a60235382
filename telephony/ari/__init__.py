"""The ARI client (Asterisk REST Interface): REST calls and the event websocket, typed
events, one error tree. A leaf: it imports nothing else of telephony, so every Stasis
application in the house uses it (call control, live ASR taps, the feedback survey)."""
