"""The satellite's agent: its board streams orbit and health metrics once detached."""
