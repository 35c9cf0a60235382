"""Offline speech recognition with Vosk: call recordings, voice messages, live calls.

Public surface for other packages:
- ``asr.models``: ``Job``, ``JobKind``, ``Transcript``, ``Word`` (plain data);
- ``asr.jobs.AsrJobStreams``: enqueue a job on ``{prefix}:asr:jobs`` (or XADD the
  flat fields ``job_id, contact_id, path, kind, language`` yourself);
- ``asr.publisher.live_stream``: the stream of live partial/final results;
- ``asr.catalog``: which models are usable (``/status``, the CLI);
- ``asr.worker.run_asr_worker``: the process (``liandong asr worker``).

Transcripts land in ``asr_transcripts`` (one row per job) and on
``contacts.transcript``, and re-classify the contact's open case.
"""
