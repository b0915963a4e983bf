"""MH-1 scoring engine: every live rule in one linear-time multi-pattern matcher + embedding cosine."""
