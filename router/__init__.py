"""Router: understand, locate, merge and dispatch every request (R6–R9, R12).

Other packages import :mod:`router.ports` (the ``Classifier`` protocol and its
``Classification`` result); ``liandong.escalation`` also uses the pure calendar,
catalogue, duty and ladder modules.
The composition root builds :class:`router.classifier.LexiconClassifier` (YAML
lexicons, Aho-Corasick matching, pinyin-aware fuzzy matching for ASR errors).
Location fusion (:mod:`router.location`, :mod:`router.gazetteer`) and merging
(:mod:`router.merge`) are pure and used by the intake worker.
"""

from router.ports import Classification, Classifier

__all__ = ["Classification", "Classifier"]
