"""The agent's own history of calls, on their own PC (numbers only)."""
