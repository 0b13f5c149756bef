"""The learning-rate schedules a fit can use (the ``lr_schedule`` fit option).

Kept apart from :mod:`graph_core.training_settings` so that the CLI's argument parser can offer
them without importing the settings' machinery (``layerloom --help`` starts in a few milliseconds).
"""

LR_SCHEDULES = ("constant", "reduce_on_plateau", "exponential", "cosine")
