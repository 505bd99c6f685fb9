"""ALTER eligibility rules (plain Python, no Django): see ruleset.py for the entry point."""
