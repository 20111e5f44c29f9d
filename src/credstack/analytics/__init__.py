"""Pilot analytics from the event index (credstack.index)."""
