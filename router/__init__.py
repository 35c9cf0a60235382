"""Router: understand, locate, merge and dispatch every request (R6–R9, R12).

Other packages import :mod:`core.triage.ports` (the ``Classifier`` protocol and its
``Classification`` result); ``core.escalation`` also uses the pure calendar,
catalogue, duty and ladder modules.
The composition root builds :class:`router.hybrid.HybridClassifier`: the lexicon
classifier (:mod:`router.classifier`: YAML lexicons, Aho-Corasick matching,
pinyin-aware fuzzy matching for ASR errors) combined with a learned linear model
(:mod:`router.model`, trained by :mod:`router.training`, versioned in
``router/data/zh/model``).
Location fusion (:mod:`core.orgmap.location`, :mod:`core.orgmap.gazetteer`) and merging
(:mod:`core.triage.merge`) are pure and used by the intake worker.
"""

from core.triage.ports import Classification, Classifier

__all__ = ["Classification", "Classifier"]
