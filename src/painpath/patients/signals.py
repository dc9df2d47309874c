"""What this app tells the apps above it, so that it never imports them (the pathway
reclassifies an episode when one of these arrives)."""

from django.dispatch import Signal

# Sent inside the change's transaction whenever something that feeds the episode's
# classification changed: the episode itself (opened, edited), its imaging or its medicines.
# Arguments: ``episode`` (Episode), ``reason`` (a short English trigger, stored with the
# classification: "episode opened", "imaging added", …).
episode_changed = Signal()
