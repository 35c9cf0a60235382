"""Mandarin voice prompts, a leaf package: what each prompt says (``hotline``, ``ivr``,
``survey``; vocabulary in ``models``) and how they are synthesized into Asterisk's
sounds directory (``synth``). Telephony, IVR and feedback read it; it imports only the
core's vocabulary."""
