"""The error tree of ``asr/`` (all under :class:`core.errors.LiandongError`).

    AsrError                          500 asr-error
    ├── AudioError                    422 audio-error
    │   ├── AudioEmpty                422 audio-empty        (0 bytes or no samples)
    │   ├── AudioUnreadable           422 audio-unreadable   (corrupt / not audio)
    │   └── AudioNotFound             422 audio-not-found    (the job's path is gone)
    ├── ModelMissing                  503 asr-model-missing  (no model for a language)
    ├── ModelInvalid                  422 asr-model-invalid  (a directory that is no model)
    ├── ModelDownloadFailed           503 asr-model-download-failed
    ├── ModelChecksumMismatch         422 asr-model-checksum-mismatch
    └── FfmpegMissing                 503 ffmpeg-missing

Audio errors are *permanent* for a job (retrying cannot help): the worker records
them on the job and acknowledges it. Everything else is retried by re-delivery.
"""

from __future__ import annotations

from core.errors import LiandongError


class AsrError(LiandongError):
    error_id = "asr-error"
    status = 500


class AudioError(AsrError):
    error_id = "audio-error"
    status = 422


class AudioEmpty(AudioError):
    error_id = "audio-empty"


class AudioUnreadable(AudioError):
    error_id = "audio-unreadable"


class AudioNotFound(AudioError):
    error_id = "audio-not-found"


class ModelMissing(AsrError):
    error_id = "asr-model-missing"
    status = 503


class ModelInvalid(AsrError):
    error_id = "asr-model-invalid"
    status = 422


class ModelDownloadFailed(AsrError):
    error_id = "asr-model-download-failed"
    status = 503


class ModelChecksumMismatch(AsrError):
    error_id = "asr-model-checksum-mismatch"
    status = 422


class FfmpegMissing(AsrError):
    error_id = "ffmpeg-missing"
    status = 503
