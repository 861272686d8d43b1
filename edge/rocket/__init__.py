"""The rocket's agent: flight-phase checks on commands and the crew abort raised on board."""
