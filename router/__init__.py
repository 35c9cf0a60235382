"""Router: understand, locate, merge and dispatch every request (R6–R9, R12).

Other packages import only :mod:`router.ports` (the ``Classifier`` protocol and its
``Classification`` result) and the classifier built by the composition root.
The spine ships :class:`router.baseline.HotlinePriorClassifier`; the full lexicon
classifier (issue "Router") replaces it behind the same port.
"""

from router.ports import Classification, Classifier

__all__ = ["Classification", "Classifier"]
