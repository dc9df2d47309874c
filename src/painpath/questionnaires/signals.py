"""Signals other apps listen to, so this app does not import them."""

from django.dispatch import Signal

# Sent inside the submission's transaction, once a link has been completed and its responses
# stored: ``link`` (IntakeLink), ``responses`` (list of QuestionnaireResponse), ``request``.
link_completed = Signal()
