"""Background trader strategies (one a module) and the rule-based counterparts of the RL styles."""
