"""Giveask: a content calendar that keeps self-promotion honest."""
