"""Plots: take result objects, return figures; never compute statistics."""
